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
    "Cold start, mixed app",
    "Cold start, HTTP-only app",
    "Cold start, import",
    "SQS decode + dispatch",
    "I/O-bound batch",
    "ordered I/O-bound batch",
    "HTTP routing",
    "HTTP dependency + middleware",
    "Cold start, routers",
    "Memory",
    "Idempotency, metrics, tracing",
)
HEADER = "| scenario | case | unit | lambent | floor |"

pytestmark = pytest.mark.slow


def _bench(*args: str) -> str:
    """Run ``python -m benchmarks --smoke ARGS``; its stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _smoke(tmp_path: Path, *extra: str) -> tuple[str, str]:
    out = tmp_path / "RESULTS.md"
    return _bench("--out", str(out), *extra), out.read_text()


def test_smoke_run_prints_and_writes_the_table(tmp_path: Path) -> None:
    stdout, written = _smoke(tmp_path)
    for text in (stdout, written):
        assert HEADER in text
        for scenario in SCENARIOS:
            assert f"| {scenario} |" in text
        # both HTTP routes on both API Gateway payload formats
        for source in ("apigw-http", "apigw-rest"):
            assert f"| {source}: PUT /orders/{{order_id}}, typed JSON body" in text
            assert f"| {source}: GET /orders/{{order_id}}, path only" in text
        # a stated number of failing records, not a percentage that does not hold
        assert "10 records into a Struct, 1 of 10 failing (10%: 1 undecodable)" in text
        assert "log lines per call: lambent 2, floor 0" in text
        # the DynamoDB calls per batch, as the idempotency issue asks them stated
        assert "reads batched (one BatchGetItem per 100 keys), one conditional write" in text
    assert "[bench] Cold start" in stdout  # a progress line per scenario
    assert "python -m benchmarks --smoke" in written  # the exact command
    assert "- python: " in written and "- machine: " in written
    assert "## Targets" in written
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "ratios.png").stat().st_size > 0


def test_smoke_run_without_peers_states_why(tmp_path: Path) -> None:
    stdout, written = _smoke(tmp_path, "--without-peers", "--only", "http")
    for title in ("Powertools", "Mangum+Starlette", "Chalice"):
        assert f"{title} columns skipped: left out with --without-peers" in written
        assert f"{title} (skipped)" in stdout
    assert HEADER in written


def test_runs_other_than_full_write_to_an_ignored_folder() -> None:
    committed = ROOT / "benchmarks" / "RESULTS.md"
    before = committed.read_bytes()
    _bench("--only", "sqs", "--without-peers")
    assert committed.read_bytes() == before
    written = ROOT / "benchmarks" / "out" / "RESULTS.md"
    assert "python -m benchmarks --smoke --only sqs" in written.read_text()
    ignored = subprocess.run(
        ["git", "check-ignore", str(written)], cwd=ROOT, capture_output=True, check=False
    )
    assert ignored.returncode == 0, "benchmarks/out/ must be ignored by git"
    assert "--quick --out benchmarks/out/RESULTS.md" in (ROOT / "Makefile").read_text()
