"""``python -m lambent.runtime`` at its entry (lambent.runtime._entry): the concurrency it
reads, its usage line, and an unreachable Runtime API told on stderr with exit 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lambent.runtime._entry import concurrency
from tests.runtime.conftest import RuntimeAPI

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected", "refused"),
    [(None, 1, False), ("4", 4, False), (" 16 ", 16, False), ("0", 1, True), ("-3", 1, True),
     ("many", 1, True), ("2.5", 1, True), ("", 1, True)],
)  # fmt: skip
def test_concurrency_is_a_positive_number(
    value: str | None, expected: int, refused: bool, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    if value is None:
        monkeypatch.delenv("AWS_LAMBDA_MAX_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("AWS_LAMBDA_MAX_CONCURRENCY", value)
    assert concurrency() == expected
    # a value that is no whole number of at least 1 is said, not silently one at a time
    told = capsys.readouterr().err
    if not refused:
        assert told == ""
    else:
        assert told == (
            f"lambent.runtime: AWS_LAMBDA_MAX_CONCURRENCY={value!r} is not a whole number "
            "of at least 1: running one invocation at a time\n"
        )


def runtime(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_RUNTIME_API", "_HANDLER")}
    return subprocess.run(
        [sys.executable, "-m", "lambent.runtime", *args],
        env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_without_a_handler_or_an_api_it_says_how_to_run_it() -> None:
    for done in (runtime(), runtime("tests.runtime.apps.plain.echo")):
        assert done.returncode == 2
        assert done.stderr.startswith("lambent.runtime: usage: python -m lambent.runtime HANDLER")


@pytest.mark.network
def test_an_unreachable_runtime_api_is_one_line_and_exit_1() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    done = runtime(
        _HANDLER="tests.runtime.apps.plain.echo", AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}"
    )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"lambent.runtime: the Runtime API at 127.0.0.1:{port}")


@pytest.mark.parametrize("module", ["lambent.runtime", "awslambdaric"])
def test_a_write_without_a_newline_reaches_the_log_at_once(
    runtime_api_host: RuntimeAPI, module: str
) -> None:
    # Lambda sets no PYTHONUNBUFFERED: lambent.runtime's line-buffered stdout kept such a
    # write until the next newline (another invocation's window), or lost it when the
    # environment was killed; awslambdaric flushes every write
    env = runtime_api_host.env()
    env.pop("PYTHONUNBUFFERED", None)
    process = subprocess.Popen(
        [sys.executable, "-m", module, "tests.runtime.apps.plain.partial_lines"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        (outcome,) = runtime_api_host.wait([runtime_api_host.put(b"{}")])
        assert outcome.error_type is None
    finally:
        process.kill()  # as Lambda ends an environment at a timeout: nothing flushed after
        out = process.communicate(timeout=10)[0]
    assert b"progress..." in out and b"half a line" in out
