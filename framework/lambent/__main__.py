"""The ``lambent`` command (also ``python -m lambent``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommands, each a module ``lambent._cli.<name>`` with ``add_parser(subparsers)``
COMMANDS: tuple[str, ...] = ("events", "routes", "invoke", "serve", "layer", "openapi")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambent", description="Run, test and package lambent apps for AWS Lambda."
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
