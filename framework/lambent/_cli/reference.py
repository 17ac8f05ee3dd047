"""``docs/cli.md``, the reference of every ``lambent`` subcommand, written from the parsers.

``python -m lambent._cli.reference > docs/cli.md`` (``make cli-docs``) rewrites it;
``tests/cli/test_reference.py`` fails when the file and the parsers disagree.
"""

from __future__ import annotations

import argparse
import sys

from lambent._cli import HelpFormatter

_HEAD = """# Command line reference

Every subcommand of `lambent`, its arguments and options with their defaults. This page
is written from the command's own parsers (`make cli-docs`), and a test checks that they
agree. A mistake on the command line (a file that does not exist, an app that does not
import or raises `ConfigurationError`, a port in use, an option that does not apply) is
reported as one line on stderr with exit status 2; `--debug` shows the traceback too.
`lambent --version` prints the version.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _usage(action: argparse.Action) -> str:
    if not action.option_strings:
        return str(action.metavar or action.dest)
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    metavar = action.metavar or action.dest.upper()
    if action.choices is not None and action.metavar is None:
        metavar = "{" + ",".join(map(str, action.choices)) + "}"
    return ", ".join(f"{flag} {metavar}" for flag in action.option_strings)


def section(parser: argparse.ArgumentParser) -> str:
    """One parser as a Markdown section: its description and a table of its arguments."""
    formatter = HelpFormatter(parser.prog)
    lines = [f"## `{parser.prog}`", ""]
    if parser.description:
        lines += [" ".join(parser.description.split()), ""]
    rows = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                rows.append((f"`{choice.dest}`", _cell(choice.help or "")))
            continue
        rows.append((f"`{_usage(action)}`", _cell(formatter._get_help_string(action) or "")))
    if rows:
        lines += ["| argument | meaning |", "|---|---|"]
        lines += [f"| {name} | {text} |" for name, text in rows]
        lines.append("")
    return "\n".join(lines)


def render() -> str:
    from lambent.__main__ import build_parser, subcommands

    parser = build_parser()
    return "\n".join([_HEAD, *(section(p) for p in [parser, *subcommands(parser)])])


if __name__ == "__main__":
    sys.stdout.write(render())
