"""Runnable example apps for lambent: ``orders`` (a multi-source service) and ``concepts``."""
