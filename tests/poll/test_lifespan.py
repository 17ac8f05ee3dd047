"""The app's lifespan failing at startup under ``lambent poll`` and ``lambent.poll.run``:
the command says it in one line with the user's frames and exits 1; ``run`` raises what
the lifespan raised. Nothing is polled: the lifespan fails before the first AWS call."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from lambent.poll import PollOptions, run
from tests.local.apps.lifespans import app

ROOT = Path(__file__).resolve().parents[2]
APP_FILE = str(ROOT / "tests" / "local" / "apps" / "lifespans.py")
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
NOWHERE = "http://127.0.0.1:9"  # never called


@pytest.mark.parametrize(
    ("fail", "said"),
    [("start", "RuntimeError: db down"), ("exit", "SystemExit: 3"),
     ("interrupt", "KeyboardInterrupt")],
    ids=["error", "exit", "interrupt"],
)  # fmt: skip
def test_a_lifespan_failing_at_startup_is_one_line_with_the_users_frames_and_exit_1(
    tmp_path: Path, fail: str, said: str
) -> None:
    # it was a Python traceback through lambent's frames (exit 1), a silent exit 3 for
    # SystemExit(3) and a traceback with exit 130 for KeyboardInterrupt
    env = {**os.environ, "LIFESPAN_LOG": str(tmp_path / "log"), "LIFESPAN_FAIL": fail}
    done = subprocess.run(
        [sys.executable, "-m", "lambent", "poll", "tests.local.apps.lifespans:app", QUEUE,
         "--endpoint-url", NOWHERE, "--region", "us-east-1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    head, traceback, *frames = done.stderr.splitlines()
    assert head == f"lambent poll: the app's lifespan failed at startup: {said}"
    assert traceback == "Traceback (most recent call last):"
    files = re.findall(r'^  File "([^"]+)"', "\n".join(frames), re.MULTILINE)
    assert files and set(files) == {APP_FILE}  # the user's frames only
    assert (tmp_path / "log").read_text().split() == ["entering"]


def test_run_raises_what_the_lifespan_raised_at_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFESPAN_LOG", str(tmp_path / "log"))
    monkeypatch.setenv("LIFESPAN_FAIL", "start")
    options = PollOptions(endpoint_url=NOWHERE, region="us-east-1")
    with pytest.raises(RuntimeError, match=r"^db down$") as raised:
        anyio.run(lambda: run(app, QUEUE, options=options, signals=False))
    assert raised.value.__context__ is None and raised.value.__cause__ is None
