"""A handler module that fails at import time (an init error)."""

raise ImportError("this module is broken on purpose")
