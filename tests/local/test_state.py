"""No accepted async event is lost: a handler's ``BaseException`` is a function error, and a
stop (SIGTERM) drains what it can and saves the rest for the next start (``--state-dir``)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.local.conftest import StartServer, fn, lambda_client

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
EXITS = "tests.local.apps.exits"
SHUTDOWN = re.compile(r"async events: (\d+) resumed, (\d+) finished, (\d+) saved to (.+) for")


@pytest.mark.parametrize("what", ["SystemExit", "KeyboardInterrupt", "Abort"])
def test_a_base_exception_is_a_function_error_and_the_server_lives_on(
    start_server: StartServer, what: str
) -> None:
    # ``raw`` is a plain function: its BaseException reaches the server itself;
    # ``app`` is a lambent App, which turns it into a HandlerError naming the real exception.
    server = start_server([fn("raw", target=f"{EXITS}:raw"), fn("app", target=f"{EXITS}:app")])
    client = lambda_client(server.url)
    for name, error_type in (("raw", what), ("app", "HandlerError")):
        failed = client.invoke(
            FunctionName=name, Payload=json.dumps({"action": "raise", "what": what})
        )
        assert failed["FunctionError"] == "Unhandled"
        error = json.loads(failed["Payload"].read())
        assert error["errorType"] == error_type
        assert what in error["errorMessage"]
        ok = client.invoke(FunctionName=name, Payload=b'{"action": "ok"}')
        assert json.loads(ok["Payload"].read()) == {"ok": True}


def _serve(state: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lambent", "serve", f"{EXITS}:exits", "--port", "0",
         "--state-dir", str(state / "queue"), "--drain-timeout", "0.2",
         "--on-success", str(state / "success.jsonl"),
         "--on-failure", str(state / "failure.jsonl"),
         "--concurrency", "2", "--max-retries", "1", "--retry-delays", "0.05"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    while True:
        line = process.stderr.readline()
        assert line, "the server stopped before listening"
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return found.group(0)


def _stop(process: subprocess.Popen[str]) -> tuple[int, int, int]:
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    found = SHUTDOWN.search(err)
    assert found, err
    assert "LOST" not in err
    return int(found[1]), int(found[2]), int(found[3])


def _records(state: Path) -> list[dict[str, Any]]:
    """The destination records written whole so far: a server still running may be in the
    middle of a line, which is left for the next reading."""
    return [
        json.loads(line)
        for name in ("success.jsonl", "failure.jsonl")
        if (state / name).exists()
        for line in (state / name).read_text().split("\n")[:-1]
    ]


def test_500_events_some_exiting_survive_sigterm_and_a_restart(tmp_path: Path) -> None:
    first = _serve(tmp_path)
    try:
        client = lambda_client(_url(first))

        def send(n: int) -> str:
            payload = json.dumps({"n": n, "sleep": 0.02})
            answer = client.invoke(FunctionName="function", InvocationType="Event", Payload=payload)
            assert answer["StatusCode"] == 202
            return str(answer["ResponseMetadata"]["RequestId"])

        with ThreadPoolExecutor(8) as pool:
            accepted = list(pool.map(send, range(500)))
        resumed, finished, saved = _stop(first)  # SIGTERM with most events still queued
    finally:
        if first.poll() is None:
            first.kill()
    assert resumed == 0
    assert finished + saved == 500
    assert finished > 0 and saved > 0  # stopped in the middle
    assert len(_records(tmp_path)) == finished

    second = _serve(tmp_path)
    try:
        _url(second)
        deadline = time.monotonic() + 60
        while len(_records(tmp_path)) < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stop(second) == (saved, saved, 0)
    finally:
        if second.poll() is None:
            second.kill()
    records = _records(tmp_path)
    ids = [r["requestContext"]["requestId"] for r in records]
    assert sorted(ids) == sorted(accepted)  # each accepted event ended exactly once
    assert not list((tmp_path / "queue").iterdir())  # nothing left to resume
    for record in records:
        n = record["requestPayload"]["n"]
        condition = record["requestContext"]["condition"]
        if n % 10 == 0:
            assert condition == "RetriesExhausted", record
            assert record["requestContext"]["approximateInvokeCount"] == 2
            assert record["responsePayload"]["errorType"] == "SystemExit"
        else:
            assert condition == "Success", record
            assert record["responsePayload"] == {"n": n}


def test_a_damaged_state_file_stops_the_start_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "function.events.jsonl").write_text('{"function": "function"}\nnot json\n')
    done = subprocess.run(
        [sys.executable, "-m", "lambent", "serve", f"{EXITS}:exits", "--port", "0",
         "--state-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(
        f"lambent serve: {tmp_path}/function.events.jsonl:1 is not a saved event"
    )
    assert (tmp_path / "function.events.jsonl").exists()  # kept for the user to look at


def test_a_remote_address_is_refused_without_allow_remote_and_warned_with_it() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "lambent", "serve", f"{EXITS}:exits", "--host", "192.0.2.1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr
    # 192.0.2.1 (TEST-NET-1) is on no interface: the warning comes, then the bind fails
    warned = subprocess.run(
        [sys.executable, "-m", "lambent", "serve", f"{EXITS}:exits", "--host", "192.0.2.1",
         "--allow-remote"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    first, second = warned.stderr.splitlines()
    assert first.startswith("lambent serve: WARNING: listening on 192.0.2.1, not loopback")
    assert second.startswith("lambent serve: cannot listen on 192.0.2.1:9001")
    assert warned.returncode == 2
