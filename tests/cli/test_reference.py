"""docs/cli.md agrees with the parsers: every subcommand, argument, help text and default."""

from __future__ import annotations

from pathlib import Path

from lambent.__main__ import build_parser, subcommands
from lambent._cli.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_written_from_the_parsers() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is out of date: run `make cli-docs`"
    )


def test_every_subcommand_and_option_is_in_the_reference() -> None:
    text = DOC.read_text(encoding="utf-8")
    parser = build_parser()
    for command in [parser, *subcommands(parser)]:
        assert f"## `{command.prog}`" in text
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help") and action.help != "==SUPPRESS==":
                    assert f"`{flag}" in text or f", {flag}" in text, f"{command.prog} {flag}"
