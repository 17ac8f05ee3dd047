"""Every ```python block of README.md and docs/**/*.md runs.

The blocks of one file run in order in one namespace, so a page can build on its
earlier blocks. Blocks fenced ```python-skip (or any other language) are not run.
A failure names the file and the line where its block starts.
"""

from __future__ import annotations

import re
import sys
import traceback
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)\s*$")


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [f for f in files if f.exists()]


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """``(first line number, code)`` of every ```python block of ``path``."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent = len(opening["indent"])
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not (
            lines[i].strip() == "```" and len(lines[i]) - len(lines[i].lstrip()) <= indent
        ):
            body.append(lines[i][indent:])
            i += 1
        if i >= len(lines):
            raise AssertionError(f"{path.relative_to(ROOT)}:{start}: unclosed code block")
        if opening["lang"] == "python":
            blocks.append((start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


FILES = [f for f in doc_files() if python_blocks(f)]


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(ROOT)) for f in FILES])
def test_python_blocks_run(path: Path) -> None:
    name = str(path.relative_to(ROOT))
    # a real module, so that string annotations (msgspec, dataclasses) resolve in it
    module = types.ModuleType(f"docs_{path.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module
    try:
        for line, code in python_blocks(path):
            # line numbers in tracebacks are the page's; no __future__ inherited from here
            source = "\n" * (line - 1) + code
            try:
                exec(compile(source, name, "exec", dont_inherit=True), module.__dict__)
            except Exception:
                detail = traceback.format_exc(limit=-3)
                pytest.fail(f"{name}:{line}: this code block failed\n{detail}", pytrace=False)
    finally:
        del sys.modules[module.__name__]


def test_fences_are_found() -> None:
    sample = ROOT / "docs" / "testing.md"
    if sample.exists():
        assert python_blocks(sample), "docs/testing.md should have runnable examples"
