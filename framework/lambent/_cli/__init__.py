"""Subcommands of the ``lambent`` command, one module each, and the voice they share.

Each module ``lambent._cli.<name>`` has ``add_parser(subparsers)``; its ``run(args)``
returns the exit status. A user's mistake is raised as :class:`UsageError` (or a
:class:`~lambent.ConfigurationError`, an ``OSError``) and reported by ``lambent`` itself
as one line on stderr with exit status 2 (``--debug`` adds the traceback).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn


class UsageError(Exception):
    """A mistake on the command line: reported as one line, exit status 2."""


#: options that take no value: their help says what they do, there is no default to show
FLAGS = (
    argparse._StoreTrueAction,
    argparse._StoreFalseAction,
    argparse._VersionAction,
    argparse._HelpAction,
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions kept as written; every option's help ends with its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, [], argparse.SUPPRESS) and not isinstance(
            action, FLAGS
        )
        if shown and action.option_strings and "default" not in text:
            text += f" (default: {_show(default)})"
        return text


def _show(value: object) -> str:
    return str(value) if not isinstance(value, tuple | list) else ",".join(map(str, value))


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``lambent serve: <problem>``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def subcommand(
    subparsers: Any,
    name: str,
    summary: str,
    doc: str | None,
    *,
    epilog: str | None = None,
    formatter_class: type[argparse.HelpFormatter] | None = None,
) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``: ``summary`` in ``lambent --help``; its
    description is ``doc`` (the subcommand module's docstring) after the first paragraph;
    its help formatter :class:`HelpFormatter` unless ``formatter_class`` says another."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description=doc.split("\n\n", 1)[1] if doc else None,
        epilog=epilog,
        **({} if formatter_class is None else {"formatter_class": formatter_class}),
    )
    return parser


def leaf(exc: BaseException) -> BaseException:
    """The one exception inside nested single-member exception groups (task groups)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
