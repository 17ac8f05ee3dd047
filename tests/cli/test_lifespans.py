"""A failing app lifespan under ``lambent invoke``, ``serve`` (in process and its
``lambent.runtime`` workers) and ``dev`` (subprocesses): a failure at Init is the
invocation's Init error (the servers stay up and run Init again at the next one), the
lifespan is left once at the stop, and its failure there is said once, exit status 1."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.local.apps.lifespans:app"
APP_FILE = str(ROOT / "tests" / "local" / "apps" / "lifespans.py")
FAILED_AT_SHUTDOWN = "the app's lifespan failed at shutdown: RuntimeError: db down"


def _env(log: Path, fail: str) -> dict[str, str]:
    return {**os.environ, "LIFESPAN_LOG": str(log), "LIFESPAN_FAIL": fail}


def _steps(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def _init_error(doc: dict[str, Any]) -> None:
    """The Init error ``lambent.runtime`` posts: no request id, the user's frames only."""
    assert (doc["errorType"], doc["errorMessage"], doc["requestId"]) == (
        "RuntimeError",
        "db down",
        "",
    )
    assert doc["stackTrace"] and all(APP_FILE in frame for frame in doc["stackTrace"])


def _files(text: str, head: str) -> list[str]:
    """The files of the traceback that follows the line ``head`` in ``text`` (a record's
    lines joined by carriage returns are read as lines, the pipes being read as text; the
    runtime indents them with no-break spaces)."""
    lines = text.splitlines()
    at = lines.index(head) + 1
    assert lines[at] == "Traceback (most recent call last):", text
    files = []
    for line in lines[at + 1 :]:
        if not line.startswith((" ", "\u00a0")):
            break
        files += re.findall(r'^[ \u00a0]+File "([^"]+)"', line)
    return files


def _invoke(log: Path, fail: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambent", "invoke", APP, "-"],
        input='{"n": 1}', capture_output=True, text=True, cwd=ROOT, env=_env(log, fail),
        timeout=30, check=False,
    )  # fmt: skip


def test_invoke_answers_a_lifespan_failing_at_startup_with_its_init_error(tmp_path: Path) -> None:
    # it was the invocation's error with its request id and lambent's own frames
    done = _invoke(tmp_path / "log", "start")
    assert done.returncode == 1, done.stderr
    _init_error(json.loads(done.stdout))
    # Init's record in the log, as lambent.runtime writes it; nothing uncaught
    assert _files(done.stderr, "[ERROR] RuntimeError: db down") == [APP_FILE, APP_FILE]
    assert done.stderr.count("Traceback") == 1, done.stderr
    assert _steps(tmp_path / "log") == ["entering"]


def test_invoke_leaves_the_lifespan_once_and_says_when_that_fails(tmp_path: Path) -> None:
    # the lifespan was never left: no exit ran, a failing one was not seen, exit 0
    done = _invoke(tmp_path / "ok", "")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True}
    assert _steps(tmp_path / "ok") == ["entering", "leaving"]
    done = _invoke(tmp_path / "stop", "stop")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == {"ok": True}  # the invocation itself succeeded
    assert done.stderr.count("ShutdownError") == 1, done.stderr
    head = f"[ERROR] ShutdownError: {FAILED_AT_SHUTDOWN}"
    assert _files(done.stderr, head) == [APP_FILE, APP_FILE]  # the user's frames only
    assert _steps(tmp_path / "stop") == ["entering", "leaving"]


def _server(argv: list[str], log: Path, fail: str) -> tuple[subprocess.Popen[str], str]:
    """A server command in a subprocess and the URL its banner names."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", *argv, "--port", "0"],
        cwd=ROOT, env=_env(log, fail), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    banner = process.stderr.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", banner)
    if found is None:
        process.kill()
        raise AssertionError(banner + process.communicate(timeout=20)[1])
    return process, found.group(0)


def _call(url: str, body: bytes | None = b'{"n": 1}') -> tuple[int, dict[str, str], Any]:
    """POST ``body`` to ``url`` (GET when it is None): the status, headers and JSON answer."""
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGINT, then what the server said on stderr; it must end within 20 s."""
    try:
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=20)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


_INVOKE = "/2015-03-31/functions/function/invocations"


@pytest.mark.parametrize("runtime", [[], ["--runtime", "lambent"]], ids=["in-process", "lambent"])
def test_serve_answers_an_init_failure_as_lambda_and_stays_up(
    tmp_path: Path, runtime: list[str]
) -> None:
    log = tmp_path / "log"
    process, url = _server(["serve", APP, *runtime], log, "start")
    try:
        for _ in range(2):  # the same Init error each time, Init run again each time
            status, headers, doc = _call(url + _INVOKE)
            assert (status, headers["X-Amz-Function-Error"]) == (200, "Unhandled")
            _init_error(doc)
    finally:
        err = _stop(process)
    assert process.returncode == 0, err
    assert _steps(log) == ["entering", "entering"]


@pytest.mark.parametrize("runtime", [[], ["--runtime", "lambent"]], ids=["in-process", "lambent"])
def test_serve_leaves_the_lifespan_at_its_stop_and_exits_1_when_that_fails(
    tmp_path: Path, runtime: list[str]
) -> None:
    # in process it was never left; a lambent.runtime worker was killed before leaving it
    log = tmp_path / "log"
    process, url = _server(["serve", APP, *runtime], log, "stop")
    try:
        for _ in range(2):
            assert _call(url + _INVOKE)[2] == {"ok": True}
    finally:
        err = _stop(process)
    assert process.returncode == 1, err
    assert _steps(log) == ["entering", "leaving"]
    assert err.count("ShutdownError") == 1, err
    assert _files(err, f"[ERROR] ShutdownError: {FAILED_AT_SHUTDOWN}") == [APP_FILE, APP_FILE]
    assert err.rstrip().splitlines()[-1].startswith("lambent: stopped:")


def test_dev_answers_an_init_failure_with_a_500_and_one_line(tmp_path: Path) -> None:
    log = tmp_path / "log"
    process, url = _server(["dev", APP, "--no-reload"], log, "start")
    try:
        for _ in range(2):
            assert _call(url + "/", None)[:3:2] == (500, {"message": "Internal Server Error"})
    finally:
        err = _stop(process)
    assert process.returncode == 0, err
    said = [line for line in err.splitlines() if line.startswith("lambent dev: the app")]
    assert said == ["lambent dev: the app's lifespan failed at startup: RuntimeError: db down"] * 2
    assert _files(err, said[0]) == [APP_FILE, APP_FILE]
    assert _steps(log) == ["entering", "entering"]


def test_dev_leaves_the_lifespan_at_its_stop_and_exits_1_when_that_fails(tmp_path: Path) -> None:
    log = tmp_path / "log"
    process, url = _server(["dev", APP, "--no-reload"], log, "stop")
    try:
        assert _call(url + "/", None)[2] == {"ok": True}
    finally:
        err = _stop(process)
    assert process.returncode == 1, err
    assert _files(err, f"lambent dev: {FAILED_AT_SHUTDOWN}") == [APP_FILE, APP_FILE]
    assert _steps(log) == ["entering", "leaving"]


CUT = (
    f"the app's lifespan failed at shutdown: LifespanCut: {APP} took longer than Lambda's 2s "
    "shutdown phase to leave its lifespan; it was cut off there"
)


@pytest.mark.parametrize(
    "argv",
    [["serve", APP], ["serve", APP, "--runtime", "lambent"], ["dev", APP, "--no-reload"]],
    ids=["serve", "serve-lambent", "dev"],
)
def test_a_lifespan_slow_to_leave_is_cut_after_two_seconds_in_one_line_naming_the_app(
    tmp_path: Path, argv: list[str]
) -> None:
    # in process it was waited for as long as it took (a minute here)
    log = tmp_path / "log"
    process, url = _server(argv, log, "hang")
    try:
        path = "/" if argv[0] == "dev" else _INVOKE
        assert _call(url + path, None if argv[0] == "dev" else b"{}")[2] == {"ok": True}
    finally:
        started = time.monotonic()
        err = _stop(process)
    assert time.monotonic() - started < 10, err
    assert process.returncode == 1, err
    assert _steps(log) == ["entering", "leaving"]
    lines = [line for line in err.splitlines() if "LifespanCut" in line]
    head = "lambent dev: " if argv[0] == "dev" else "[ERROR] ShutdownError: "
    assert lines == [head + CUT], err
