"""One CLI voice: a user's mistake is one line naming the cause and exit status 2 in every
subcommand (``--debug`` adds the traceback); ``--version``; every option has help that
shows its default."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambent.__main__ import build_parser, main, subcommands
from lambent._cli import FLAGS, HelpFormatter, Parser, subcommand
from tests.cli._voice import MISSING, lambent, one_line

ROOT = Path(__file__).resolve().parents[2]


def test_version() -> None:
    done = lambent("--version")
    assert done.returncode == 0 and done.stdout.startswith("lambent ")


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", MISSING, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1] == f"lambent routes: no such file: {MISSING}"
    assert main(["--debug", "routes", MISSING]) == 2
    assert "Traceback" in capsys.readouterr().err


def _options() -> Iterator[tuple[str, argparse.Action, str]]:
    parser = build_parser()
    for command in [parser, *subcommands(parser)]:
        formatter = HelpFormatter(command.prog)
        for action in command._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue
            yield command.prog, action, formatter._get_help_string(action) or ""


@pytest.mark.parametrize(
    ("prog", "action", "text"), list(_options()), ids=lambda v: getattr(v, "dest", v)
)
def test_every_option_has_help_showing_its_default(
    prog: str, action: argparse.Action, text: str
) -> None:
    assert action.help, f"{prog} {action.dest} has no help"
    if action.option_strings and not isinstance(action, FLAGS):
        assert "default" in text, f"{prog} {action.option_strings[0]}: {text}"
    default = action.default
    if action.option_strings and not isinstance(action, FLAGS) and default not in (None, []):
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert shown in text, f"{prog} {action.option_strings[0]}: {text}"


def test_an_unknown_option_is_named_with_its_subcommand() -> None:
    one_line(lambent("layer", "build", "--bogus"), "lambent layer build", "--bogus")
    one_line(lambent("serve", "app.py", "--port", "x"), "lambent serve", "--port")
    one_line(lambent("nonsense"), "lambent", "nonsense")


def test_a_subcommand_is_described_by_its_docstring_after_the_first_paragraph() -> None:
    top = Parser(prog="lambent")
    subparsers = top.add_subparsers()
    doc = "``lambent x``: the summary line.\n\nWhat it does,\nin detail.\n\nMore."
    parser = subcommand(subparsers, "x", "do x", doc)
    assert parser.prog == "lambent x"
    assert parser.description == "What it does,\nin detail.\n\nMore."
    assert parser.formatter_class is HelpFormatter
    assert parser.epilog is None
    assert subparsers.choices["x"] is parser
    assert re.search(r"^    x +do x$", top.format_help(), re.MULTILINE)  # its summary line


def test_a_subcommand_may_have_no_docstring_an_epilog_and_its_own_formatter() -> None:
    subparsers = Parser(prog="lambent").add_subparsers()
    parser = subcommand(
        subparsers, "y", "do y", None, epilog="see also", formatter_class=argparse.HelpFormatter
    )
    assert parser.description is None
    assert parser.epilog == "see also"
    assert parser.formatter_class is argparse.HelpFormatter
