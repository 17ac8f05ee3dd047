"""The ``lambent`` command (also ``python -m lambent``)."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Iterator, Sequence

from lambent._cli import Parser, UsageError, leaf

#: subcommands, each a module ``lambent._cli.<name>`` with ``add_parser(subparsers)``
COMMANDS: tuple[str, ...] = (
    "events",
    "routes",
    "invoke",
    "serve",
    "dev",
    "layer",
    "poll",
    "openapi",
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lambent")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="lambent", description="Run, test and package lambent apps for AWS Lambda."
    )
    parser.add_argument("--version", action="version", version=f"lambent {_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error, not one line"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"lambent._cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lambent._cli.{name}":
                raise
            continue
        mod.add_parser(sub)
    for command in subcommands(parser):
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        command.set_defaults(prog=command.prog)
    return parser


def subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser below ``parser`` (``serve``, ``events``, ``events generate``, ...)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield child
                yield from subcommands(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named after the subcommand that did not take them
        prog = getattr(args, "prog", parser.prog)
        sys.stderr.write(f"{prog}: unrecognized arguments: {' '.join(extra)} (see {prog} --help)\n")
        return 2
    try:
        code: int = args.func(args)
    except (UsageError, OSError, ImportError) as exc:
        return _report(args, exc)
    except BaseException as exc:  # a ConfigurationError, perhaps inside an ExceptionGroup
        from lambent._errors import ConfigurationError

        cause = leaf(exc)
        if not isinstance(cause, ConfigurationError | UsageError | OSError | ImportError):
            raise
        return _report(args, exc, cause)
    return code


def _report(
    args: argparse.Namespace, exc: BaseException, cause: BaseException | None = None
) -> int:
    cause = cause or exc
    if getattr(args, "debug", False):
        traceback.print_exception(exc)
    message = str(cause) or type(cause).__name__
    if isinstance(cause, OSError) and cause.strerror and cause.filename is not None:
        message = f"{cause.filename}: {cause.strerror}"
    sys.stderr.write(f"{getattr(args, 'prog', 'lambent')}: {message}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
