"""What the subcommands' mistake tests share: running ``lambent`` in a subprocess, the
one-line check, and apps that fail to load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MISSING = "no_such_app.py"
CONFIG_ERROR = """
from lambent import App
app = App()

@app.get("/items/{id}/{id}")
def twice(id: int) -> None: ...
"""


def lambent(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambent", *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], prefix: str, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix + ": "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
