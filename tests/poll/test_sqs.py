"""SQS through ``lambent.poll`` against moto: partial batches, DLQ redrive, FIFO order."""

from __future__ import annotations

import collections
import time
from pathlib import Path
from typing import Any, TypedDict

import anyio
import pytest
import structlog

from lambent import App, LambdaContext
from lambent.poll import PollOptions, run
from tests.poll._helpers import client, drain, make_queue, poll_process, read_log, send_jobs
from tests.poll.apps.recorder import app

pytestmark = pytest.mark.network


class _Quick(TypedDict):
    wait_time: int
    idle_exit: float


#: a quick profile: 1 s long polls, stop 3 s after the last record
QUICK: _Quick = {"wait_time": 1, "idle_exit": 3.0}


def jobs(count: int) -> list[dict[str, Any]]:
    """5% failing permanently, 5% failing once, the rest fine."""
    return [
        {"id": n, "mode": "fail" if n % 20 == 0 else "once" if n % 20 == 1 else "ok"}
        for n in range(count)
    ]


def check_outcome(
    log: list[dict[str, Any]],
    dead: list[dict[str, Any]],
    left: list[dict[str, Any]],
    count: int,
    receives: int,
) -> None:
    ok = collections.Counter(e["id"] for e in log if e["event"] == "ok")
    failed = collections.Counter(e["id"] for e in log if e["event"] == "failed")
    permanent = {n for n in range(count) if n % 20 == 0}
    once = {n for n in range(count) if n % 20 == 1}
    # every transient and every fine message processed successfully exactly once
    assert {n: c for n, c in ok.items() if c != 1} == {}
    assert set(ok) == set(range(count)) - permanent
    assert all(failed[n] == 1 for n in once)
    # every permanent one failed on each of its receives, then went to the DLQ
    assert sorted(j["id"] for j in dead) == sorted(permanent)
    assert all(failed[n] == receives for n in permanent)
    # none lost, none left behind
    assert left == []


def test_partial_batches_delete_only_successes(moto_url: str, poll_log: Path) -> None:
    import anyio

    log = poll_log
    sqs = client("sqs", moto_url)
    url, dlq = make_queue(sqs, "small")
    send_jobs(sqs, url, jobs(200))
    options = PollOptions(endpoint_url=moto_url, progress_every=0.5, **QUICK)
    with structlog.testing.capture_logs() as logs:
        report = anyio.run(lambda: run(app, url, options=options, signals=False))
    check_outcome(read_log(log), drain(sqs, dlq), drain(sqs, url), 200, receives=3)
    (stats,) = report.stats.values()
    assert stats.failed == 10 + 30 and stats.succeeded == 190
    # a progress line per poller while running, and a last one when it stops
    lines = [e for e in logs if e["event"] in ("progress", "stopped") and e.get("source") == url]
    assert len(lines) >= 2 and lines[-1]["event"] == "stopped"
    assert {"batches", "records", "failures", "lag_ms"} <= set(lines[-1])
    assert lines[-1]["records"] == 230 and lines[-1]["failures"] == 40


@pytest.mark.slow
def test_two_thousand_messages_in_process(moto_url: str, poll_log: Path) -> None:
    import anyio

    log = poll_log
    sqs = client("sqs", moto_url)
    url, dlq = make_queue(sqs, "big", visibility=3)
    send_jobs(sqs, url, jobs(2000))
    # visibility 3 s (not 1 s): room for a loaded machine; idle only after it
    options = PollOptions(
        endpoint_url=moto_url, concurrency=8, pollers=4, wait_time=1, idle_exit=4.5
    )
    anyio.run(lambda: run(app, url, options=options, signals=False))
    check_outcome(read_log(log), drain(sqs, dlq), drain(sqs, url), 2000, receives=3)


@pytest.mark.slow
def test_two_thousand_messages_two_poll_processes(moto_url: str, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    sqs = client("sqs", moto_url)
    url, dlq = make_queue(sqs, "shared", visibility=3)
    send_jobs(sqs, url, jobs(2000))
    procs = [
        poll_process(
            moto_url, [url], log, "--wait-time", "1", "--idle-exit", "4.5", "--pollers", "3"
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    entries = read_log(log)
    check_outcome(entries, drain(sqs, dlq), drain(sqs, url), 2000, receives=3)


def test_fifo_groups_stay_in_order_across_failures(moto_url: str, poll_log: Path) -> None:
    import anyio

    log = poll_log
    sqs = client("sqs", moto_url)
    url, dlq = make_queue(sqs, "ordered", fifo=True, visibility=2, max_receives=5)
    batch = [
        {"id": n, "group": f"g{n % 6}", "mode": "once" if n % 7 == 3 else "ok"} for n in range(120)
    ]
    send_jobs(sqs, url, batch, fifo=True)
    options = PollOptions(endpoint_url=moto_url, pollers=3, **QUICK)
    anyio.run(lambda: run(app, url, options=options, signals=False))
    done = [e for e in read_log(log) if e["event"] == "ok"]
    by_group: dict[str, list[int]] = collections.defaultdict(list)
    for entry in done:
        by_group[entry["group"]].append(entry["id"])
    for group, ids in by_group.items():
        expected = [j["id"] for j in batch if j["group"] == group]
        assert ids == expected, group
    assert drain(sqs, dlq) == [] and drain(sqs, url) == []


def test_a_slow_batch_keeps_its_messages_hidden(moto_url: str, poll_log: Path) -> None:
    """Visibility timeout 1 s, a batch that takes 3 s: extended, so never received twice."""
    import anyio

    from lambent import App

    slow = App("slow")
    seen: list[str] = []

    @slow.sqs()
    async def handle(body: str) -> None:
        seen.append(body)
        await anyio.sleep(3)

    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "slow")
    send_jobs(sqs, url, [{"id": n} for n in range(5)])
    options = PollOptions(endpoint_url=moto_url, pollers=2, wait_time=1, idle_exit=2.5)
    anyio.run(lambda: run(slow, url, options=options, signals=False))
    assert sorted(seen) == sorted(f'{{"id": {n}}}' for n in range(5))
    assert drain(sqs, url) == []


def test_a_batch_that_stalls_past_its_visibility_is_reported(moto_url: str) -> None:
    """A handler that blocks the event loop longer than the visibility timeout: no
    heartbeat can run, the messages may be received again, and the poller says so."""
    import time

    import anyio

    from lambent import App

    stalled = App("stalled")

    @stalled.sqs()
    async def handle(body: str) -> None:
        time.sleep(1.5)  # noqa: ASYNC251 - blocks the loop: the 1 s visibility timeout ends

    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "stalled", visibility=1)
    send_jobs(sqs, url, [{"id": 0}])
    # one slot: no receive runs during the stall (it would be handed the message again)
    options = PollOptions(
        endpoint_url=moto_url, concurrency=1, pollers=1, wait_time=1, idle_exit=2.0
    )
    with structlog.testing.capture_logs() as logs:
        anyio.run(lambda: run(stalled, url, options=options, signals=False))
    warnings = [e for e in logs if e["event"].startswith("batch outlived")]
    assert len(warnings) == 1, logs
    (warning,) = warnings
    assert warning["messages"] == 1 and warning["visibility_timeout"] == 1
    assert warning["log_level"] == "warning"


def test_batches_in_flight_never_exceed_the_concurrency(moto_url: str) -> None:
    """Four receivers, two slots: at most two batches run, and no receiver holds a third
    batch hidden while it waits (a slot is taken before receiving)."""
    import anyio

    from lambent import App

    bounded = App("bounded")
    active: set[str] = set()
    most = [0]
    hidden: list[int] = []
    sqs = client("sqs", moto_url)
    url, _ = make_queue(sqs, "bounded", visibility=30)

    @bounded.sqs()
    async def handle(body: str, context: LambdaContext) -> None:
        active.add(context.aws_request_id)
        most[0] = max(most[0], len(active))
        attrs = await anyio.to_thread.run_sync(
            lambda: sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
        )
        hidden.append(int(attrs["ApproximateNumberOfMessagesNotVisible"]))
        await anyio.sleep(0.2)
        active.discard(context.aws_request_id)

    send_jobs(sqs, url, [{"id": n} for n in range(60)])
    options = PollOptions(
        endpoint_url=moto_url, concurrency=2, pollers=4, batch_size=5, wait_time=1, idle_exit=2
    )
    anyio.run(lambda: run(bounded, url, options=options, signals=False))
    assert len(hidden) == 60 and drain(sqs, url) == []
    assert most[0] == 2  # two batches at once, never more
    assert max(hidden) <= 2 * 5  # never more received than the slots can run


def test_a_failed_message_comes_back_a_visibility_timeout_after_its_receive(
    moto_url: str,
) -> None:
    # Lambda extends nothing: a failed message is received again when the visibility
    # timeout counted from its receive ends. The poller's extensions (every 1.5 s here)
    # kept it hidden a whole timeout past the last one instead (10.5 s, not 6)
    sqs = client("sqs", moto_url)
    url = sqs.create_queue(QueueName="comes-back", Attributes={"VisibilityTimeout": "6"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    received: list[float] = []
    again = anyio.Event()
    failing = App("failing")

    @failing.sqs()
    async def fails_first(body: str) -> None:
        received.append(time.monotonic())
        if len(received) == 1:
            await anyio.sleep(4.5)  # extended at 1.5, 3 and 4.5 s
            raise RuntimeError("first receive fails")
        again.set()

    options = PollOptions(endpoint_url=moto_url, wait_time=1, pollers=1)

    async def main() -> None:
        with anyio.fail_after(20):
            await run(failing, url, options=options, stop=again, signals=False)

    anyio.run(main)
    assert len(received) == 2
    assert 5.0 <= received[1] - received[0] < 8.0
