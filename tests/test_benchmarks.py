"""The benchmark harness keeps working: ``--smoke`` runs every scenario on tiny sizes.

These check that the harness runs and produces its table, not any timing.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = (
    "Cold start",
    "SQS decode + dispatch",
    "I/O-bound batch",
    "ordered I/O-bound batch",
    "HTTP routing",
    "HTTP dependency + middleware",
    "Cold start, routers",
    "Memory",
)
HEADER = "| scenario | case | unit | lambent | floor |"

pytestmark = pytest.mark.slow


def _smoke(tmp_path: Path, *extra: str) -> tuple[str, str]:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, out.read_text()


def test_smoke_run_prints_and_writes_the_table(tmp_path: Path) -> None:
    stdout, written = _smoke(tmp_path)
    for text in (stdout, written):
        assert HEADER in text
        for scenario in SCENARIOS:
            assert f"| {scenario}" in text
    assert "[bench] Cold start" in stdout  # a progress line per scenario
    assert "python -m benchmarks --smoke" in written  # the exact command
    assert "- python: " in written and "- machine: " in written
    assert "## Targets" in written
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "ratios.png").stat().st_size > 0


def test_smoke_run_without_powertools_states_why(tmp_path: Path) -> None:
    stdout, written = _smoke(tmp_path, "--without-powertools")
    assert "Powertools columns skipped: left out with --without-powertools" in written
    assert "Powertools (skipped)" in stdout
    assert HEADER in written
