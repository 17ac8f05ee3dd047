"""Shutdown: in-flight batches get the grace period, then are cancelled and their
messages made visible again at once; nothing unprocessed is deleted."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import anyio
import pytest

from lambent.poll import PollOptions, run
from tests.poll._helpers import client, drain, make_queue, poll_process, read_log, send_jobs
from tests.poll.apps.recorder import app

pytestmark = pytest.mark.network


def _started(log: Path, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while sum(e["event"] == "started" for e in read_log(log)) < count:
        assert time.monotonic() < deadline, "the slow batch never started"
        time.sleep(0.05)


def test_after_the_grace_period_unfinished_messages_are_released(
    moto_url: str, poll_log: Path
) -> None:
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "grace", visibility=30)
    send_jobs(sqs, url, [{"id": n, "mode": "slow"} for n in range(3)])
    stop = anyio.Event()

    async def main() -> float:
        async with anyio.create_task_group() as tg:

            async def stopper() -> None:
                await anyio.to_thread.run_sync(_started, poll_log, 3)
                stop.set()

            tg.start_soon(stopper)
            started = time.monotonic()
            options = PollOptions(endpoint_url=moto_url, wait_time=1, grace=0.5, pollers=1)
            report = await run(app, url, options=options, stop=stop, signals=False)
            assert report.stopped_by == "stop"
            (stats,) = report.stats.values()
            assert stats.released == 3 and stats.succeeded == 0
            took = time.monotonic() - started
        return took

    assert anyio.run(main) < 15
    # visible again at once (not after the queue's 30 s), and none was deleted
    assert sorted(job["id"] for job in drain(sqs, url)) == [0, 1, 2]


def _ends_cleanly(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    """``sig`` ends ``proc`` within 10 s: exit 0, no traceback."""
    started = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 10
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err


def test_a_second_signal_stops_at_once(moto_url: str, poll_log: Path) -> None:
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "signals", visibility=30)
    send_jobs(sqs, url, [{"id": n, "mode": "slow"} for n in range(2)] + [{"id": 9}])
    proc = poll_process(moto_url, [url], poll_log, "--wait-time", "1", "--grace", "60")
    try:
        _started(poll_log, 2)
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert proc.poll() is None  # the first signal waits for the slow batch
        _ends_cleanly(proc, signal.SIGINT)
    finally:
        proc.kill()
    left = sorted(job["id"] for job in drain(sqs, url))
    done = [e["id"] for e in read_log(poll_log) if e["event"] == "ok"]
    # the cancelled batch deleted nothing (9 too, when it shared that batch): all are back
    assert set(left) | set(done) == {0, 1, 9} and {0, 1} <= set(left)


LIFESPANS = "tests.poll.apps.lifespans:app"


def _logged(log: Path, event: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not any(e["event"] == event for e in read_log(log)):
        assert time.monotonic() < deadline, f"never logged {event!r}"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_while_the_lifespan_starts_ends_the_start_up_cleanly(
    moto_url: str, poll_log: Path, monkeypatch: pytest.MonkeyPatch, sig: signal.Signals
) -> None:
    # before polling there is nothing in flight: the start-up is cut, exit 0, no traceback
    # (SIGTERM killed the process and SIGINT was a KeyboardInterrupt's traceback before)
    monkeypatch.setenv("POLL_LIFESPAN", "slow-start")
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, f"starting-{sig.name.lower()}", visibility=30)
    send_jobs(sqs, url, [{"id": 1}])
    proc = poll_process(moto_url, [url], poll_log, "--wait-time", "1", app=LIFESPANS)
    try:
        _logged(poll_log, "entering")
        _ends_cleanly(proc, sig)
    finally:
        proc.kill()
    assert [e["event"] for e in read_log(poll_log)] == ["entering"]
    assert [job["id"] for job in drain(sqs, url)] == [1]  # never received


def test_a_second_signal_cuts_a_slow_lifespan_exit(
    moto_url: str, poll_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLL_LIFESPAN", "slow-stop")
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "leaving", visibility=30)
    send_jobs(sqs, url, [{"id": 1}])
    proc = poll_process(moto_url, [url], poll_log, "--wait-time", "1", app=LIFESPANS)
    try:
        _logged(poll_log, "ok")
        proc.send_signal(signal.SIGTERM)
        _logged(poll_log, "leaving")
        time.sleep(0.3)
        assert proc.poll() is None  # the first signal lets the lifespan leave as it will
        _ends_cleanly(proc, signal.SIGTERM)
    finally:
        proc.kill()
    assert drain(sqs, url) == []  # processed, deleted


@pytest.mark.parametrize(
    ("what", "error"),
    [("fail-stop", "RuntimeError: the lifespan failed"), ("exit-stop", "SystemExit: 3")],
    ids=["error", "exit"],
)
def test_a_lifespan_failing_at_shutdown_is_one_error_line_and_exit_1(
    moto_url: str, poll_log: Path, monkeypatch: pytest.MonkeyPatch, what: str, error: str
) -> None:
    # it was a Python traceback (exit 1), or for SystemExit a silent exit 3
    monkeypatch.setenv("POLL_LIFESPAN", what)
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, f"failing-{what}", visibility=30)
    send_jobs(sqs, url, [{"id": 1}])
    proc = poll_process(moto_url, [url], poll_log, "--wait-time", "1", app=LIFESPANS, logs=True)
    try:
        _logged(poll_log, "ok")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 1, err[-2000:]
    # the log's error record (its traceback rendered with it, as for a failing hook)
    [line] = [line for line in out.splitlines() if "lifespan failed at shutdown" in line]
    assert f"error='{error}'" in line
    assert 'tests/poll/apps/lifespans.py", line' in out.split(line)[1]
    assert err == ""  # nothing uncaught
    assert [e["event"] for e in read_log(poll_log)][-1] == "leaving"
