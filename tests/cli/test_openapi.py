"""``lambent openapi`` (lambent._cli.openapi): the document written to a file or stdout,
and a user's mistake as one line on stderr with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from examples.catalog.app import app as catalog
from lambent.__main__ import main
from lambent.openapi import document

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_writes_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "openapi.json"
    argv = ["openapi", "examples.catalog.app:app", "-o", str(target), "--api-version", "2"]
    assert main(argv) == 0
    written: dict[str, Any] = json.loads(target.read_text())
    assert written == document(catalog, version="2")
    assert main(["openapi", "examples.catalog.app:app", "--title", "Shop"]) == 0
    assert json.loads(capsys.readouterr().out)["info"]["title"] == "Shop"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["no_such_app.py"], ["no such file", "no_such_app.py"]),
        (["examples.catalog.items:router"], ["is a Router, not a lambent App"]),
        (["examples.catalog.app:app", "-o", "/nonexistent/dir/x.json"], ["/nonexistent/dir"]),
    ],
)
def test_a_mistake_is_one_line_on_stderr_and_exit_2(argv: list[str], words: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lambent", "openapi", *argv],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("lambent openapi: ")
    for word in words:
        assert word in line
