"""Subcommands of the ``lambent`` command, one module each."""
