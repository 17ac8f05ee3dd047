"""Kinesis through ``lambent.poll`` against moto: per-key order, checkpoints across a
SIGTERM, bisect and on-failure destinations, tumbling windows, shard splits."""

from __future__ import annotations

import base64
import collections
import json
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
import structlog

from lambent import App
from lambent.poll import PollOptions, run
from lambent.sources.kinesis import KinesisRecord
from tests.poll._helpers import client, drain, poll_process, read_log, send_jobs
from tests.poll.apps.recorder import Reading, app, log

pytestmark = pytest.mark.network


def make_stream(kinesis: Any, name: str, shards: int = 2) -> str:
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return str(
        kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    )


def put(kinesis: Any, name: str, readings: list[dict[str, Any]]) -> None:
    for start in range(0, len(readings), 100):
        kinesis.put_records(
            StreamName=name,
            Records=[
                {"Data": json.dumps(r).encode(), "PartitionKey": r["key"]}
                for r in readings[start : start + 100]
            ],
        )


def readings(
    count: int, keys: int = 20, *, start: int = 0, fail_every: int = 0
) -> list[dict[str, Any]]:
    out = []
    for i in range(start, start + count):
        r: dict[str, Any] = {"key": f"k{i % keys}", "n": i}
        if fail_every and i % fail_every == 3:
            r["fail"] = "once"
        out.append(r)
    return out


def check_order(log: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Every reading processed; per key, first processings in the order they were put."""
    ok = [e for e in log if e["event"] == "ok"]
    assert {e["n"] for e in ok} == {r["n"] for r in expected}
    first: dict[str, list[int]] = collections.defaultdict(list)
    seen: set[int] = set()
    for e in ok:
        if e["n"] not in seen:
            seen.add(e["n"])
            first[e["key"]].append(e["n"])
    for key, ns in first.items():
        assert ns == sorted(ns), key


def options(url: str, **more: Any) -> PollOptions:
    base: dict[str, Any] = dict(
        endpoint_url=url, starting_position="TRIM_HORIZON", idle_exit=2.0, poll_interval=0.2,
        shard_refresh=0.5, retry_base=0.05, batch_size=25,
    )  # fmt: skip
    return PollOptions(**{**base, **more})


def test_two_shards_twenty_keys_with_failures_keep_per_key_order(
    moto_url: str, poll_log: Path, tmp_path: Path
) -> None:
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "readings")
    data = readings(400, fail_every=10)
    put(kinesis, "readings", data)
    checkpoint = tmp_path / "cp.json"
    report = anyio.run(
        lambda: run(app, arn, options=options(moto_url, checkpoint=str(checkpoint)), signals=False)
    )
    log = read_log(poll_log)
    check_order(log, data)
    assert sum(1 for e in log if e["event"] == "failed") == 40
    saved = json.loads(checkpoint.read_text())
    assert len(saved) == 2 and all(v["sequence"] for v in saved.values())
    (stats,) = report.stats.values()
    assert stats.discarded == 0


@pytest.mark.slow
def test_sigterm_then_restart_from_the_checkpoint_skips_nothing(
    moto_url: str, poll_log: Path, tmp_path: Path
) -> None:
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "restart")
    data = readings(300, fail_every=25)
    put(kinesis, "restart", data)
    checkpoint = tmp_path / "cp.json"
    common = ["--checkpoint", str(checkpoint), "--starting-position", "TRIM_HORIZON",
              "--batch-size", "10", "--poll-interval", "0.2", "--shard-refresh", "0.5"]  # fmt: skip
    import os

    os.environ["POLL_SLEEP"] = "0.01"
    try:
        first = poll_process(moto_url, [arn], poll_log, *common)
        deadline = time.monotonic() + 30
        while len(read_log(poll_log)) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=30)
        assert first.returncode == 0, err[-2000:]
        done_before = {e["n"] for e in read_log(poll_log) if e["event"] == "ok"}
        assert 0 < len(done_before) < len(data)  # stopped mid-stream
        second = poll_process(moto_url, [arn], poll_log, *common, "--idle-exit", "2")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 0, err[-2000:]
    finally:
        del os.environ["POLL_SLEEP"]
    check_order(read_log(poll_log), data)


class _RaisesOnPoison:
    """The recorder app as a function that raises (an invocation error, not a partial
    batch response) whenever its batch holds a reading that always fails."""

    def __init__(self) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def dispatch(self, event: dict[str, Any], context: Any) -> Any:
        for r in event["Records"]:
            reading = json.loads(base64.b64decode(r["kinesis"]["data"]))
            if reading.get("fail") == "always":
                seq, size = r["kinesis"]["sequenceNumber"], len(event["Records"])
                log({"event": "raised", "n": reading["n"], "seq": seq, "size": size})
                raise RuntimeError(f"reading {reading['n']} is poison")
        return await self.app.dispatch(event, context)


def _poison_setup(moto_url: str, name: str) -> tuple[Any, str, str, str]:
    kinesis, sqs = client("kinesis", moto_url), client("sqs", moto_url)
    arn = make_stream(kinesis, name, shards=1)
    dest = sqs.create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    dest_arn = sqs.get_queue_attributes(QueueUrl=dest, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    data = readings(16, keys=4)
    data[9]["fail"] = "always"
    put(kinesis, name, data)
    return sqs, arn, dest, dest_arn


def test_bisect_isolates_a_record_whose_invocation_fails_and_sends_it_to_the_destination(
    moto_url: str, poll_log: Path
) -> None:
    sqs, arn, dest, dest_arn = _poison_setup(moto_url, "poison")
    opts = options(moto_url, bisect=True, max_retries=1, on_failure=dest_arn, batch_size=16)
    report = anyio.run(lambda: run(_RaisesOnPoison(), arn, options=opts, signals=False))
    ok = {e["n"] for e in read_log(poll_log) if e["event"] == "ok"}
    assert ok == set(range(16)) - {9}
    # halves of 16, 8, 4, 2, then the record alone, tried twice (one retry)
    sizes = [e["size"] for e in read_log(poll_log) if e["event"] == "raised"]
    assert sizes == [16, 8, 4, 2, 1, 1]
    (record,) = drain(sqs, dest)
    bad_seq = next(e["seq"] for e in read_log(poll_log) if e["event"] == "raised")
    info = record["KinesisBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == bad_seq
    assert info["batchSize"] == 1 and info["streamArn"] == arn
    (stats,) = report.stats.values()
    assert stats.discarded == 1


def test_reported_failures_are_retried_from_the_lowest_one_not_bisected(
    moto_url: str, poll_log: Path
) -> None:
    # LAMBDA.md 4.5: with partial responses and bisect, the batch is split at the returned
    # sequence number and the rest retried as one batch; only a failed invocation is
    # bisected. Reading 9 fails (reported, with 13 of its key); 9-15 are retried once,
    # then given up as one range.
    sqs, arn, dest, dest_arn = _poison_setup(moto_url, "reported")
    opts = options(moto_url, bisect=True, max_retries=1, on_failure=dest_arn, batch_size=16)
    report = anyio.run(lambda: run(app, arn, options=opts, signals=False))
    entries = read_log(poll_log)
    assert [e["n"] for e in entries if e["event"] == "failed"] == [9, 9]
    seqs = {e["n"]: e["seq"] for e in entries}
    ok = collections.Counter(e["n"] for e in entries if e["event"] == "ok")
    assert ok == {n: 1 for n in range(9)} | {n: 2 for n in (10, 11, 12, 14, 15)}
    (record,) = drain(sqs, dest)
    info = record["KinesisBatchInfo"]
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (seqs[9], seqs[15])
    assert info["batchSize"] == 7
    (stats,) = report.stats.values()
    assert stats.discarded == 7


def test_tumbling_windows_carry_state_to_the_final_invocation(moto_url: str) -> None:
    from tests.poll.apps import windows

    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "windowed", shards=1)
    put(kinesis, "windowed", readings(30, keys=3))
    windows.calls.clear()
    opts = options(moto_url, tumbling_window=1.0, batch_size=10, idle_exit=2.5)
    anyio.run(lambda: run(windows.app, arn, options=opts, signals=False))
    finals = [state for _, final, state in windows.calls if final]
    assert sum(s["count"] for s in finals) == 30
    # within a window each invocation starts from the state the previous one returned
    by_window: dict[str, list[int]] = collections.defaultdict(list)
    for start, _, state in windows.calls:
        by_window[start].append(state["count"])
    assert all(counts == sorted(counts) for counts in by_window.values())


def test_after_a_split_children_follow_their_parent(moto_url: str, poll_log: Path) -> None:
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "splitting", shards=1)
    before = readings(60, keys=6)
    put(kinesis, "splitting", before)
    (shard,) = kinesis.list_shards(StreamName="splitting")["Shards"]
    middle = (
        int(shard["HashKeyRange"]["StartingHashKey"]) + int(shard["HashKeyRange"]["EndingHashKey"])
    ) // 2
    kinesis.split_shard(
        StreamName="splitting", ShardToSplit=shard["ShardId"], NewStartingHashKey=str(middle)
    )
    after = readings(60, keys=6, start=60)
    put(kinesis, "splitting", after)
    anyio.run(lambda: run(app, arn, options=options(moto_url), signals=False))
    check_order(read_log(poll_log), before + after)


def test_after_a_merge_the_child_follows_both_parents(moto_url: str, poll_log: Path) -> None:
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "merging", shards=2)
    before = readings(60, keys=6)
    put(kinesis, "merging", before)
    first, second = kinesis.list_shards(StreamName="merging")["Shards"]
    kinesis.merge_shards(
        StreamName="merging",
        ShardToMerge=first["ShardId"],
        AdjacentShardToMerge=second["ShardId"],
    )
    after = readings(60, keys=6, start=60)
    put(kinesis, "merging", after)
    anyio.run(lambda: run(app, arn, options=options(moto_url), signals=False))
    check_order(read_log(poll_log), before + after)


def _wait_for(log: Path, lines: int) -> None:
    deadline = time.monotonic() + 20
    while len(read_log(log)) < lines:
        assert time.monotonic() < deadline, f"fewer than {lines} records processed"
        time.sleep(0.05)


def test_a_failing_batch_is_not_retried_once_shutdown_starts(
    moto_url: str, poll_log: Path, tmp_path: Path
) -> None:
    # Lambda would retry it forever (-1); a stopping poller leaves it where it is,
    # unchecked, at once (the old one retried it until the grace period cancelled it)
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "stopping-poison", shards=1)
    put(kinesis, "stopping-poison", [{"key": "k", "n": 0, "fail": "always"}])
    checkpoint = tmp_path / "cp.json"
    opts = options(moto_url, retry_base=0.5, grace=10.0, idle_exit=None, checkpoint=str(checkpoint))

    async def main() -> float:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run(app, arn, options=opts, stop=stop, signals=False))
            await anyio.to_thread.run_sync(_wait_for, poll_log, 2)  # failed, and once more
            stop.set()
            stopped = time.monotonic()
        return time.monotonic() - stopped

    with structlog.testing.capture_logs() as logs:
        took = anyio.run(main)
    assert took < 3.0
    assert not any(e["event"].startswith("grace period over") for e in logs)
    assert not checkpoint.exists()  # a restart retries it
    assert {e["event"] for e in read_log(poll_log)} == {"failed"}


def test_a_checkpoint_store_that_fails_holds_the_shard_until_it_takes_the_checkpoint(
    moto_url: str, tmp_path: Path
) -> None:
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "unsaved", shards=1)
    put(kinesis, "unsaved", [{"key": "k", "n": 0}])
    store = tmp_path / "store"
    store.mkdir()
    checkpoint = store / "cp.json"
    removing = App("removing")

    @removing.kinesis()
    def remove_the_store(record: KinesisRecord) -> None:
        shutil.rmtree(store)  # the checkpoint cannot be written until it is back

    opts = options(moto_url, retry_cap=0.3, idle_exit=None, checkpoint=str(checkpoint))

    async def main() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run(removing, arn, options=opts, stop=stop, signals=False))
            await anyio.sleep(2)
            store.mkdir()
            await anyio.sleep(1)
            stop.set()

    with structlog.testing.capture_logs() as logs:
        anyio.run(main)  # the old poller raised the FileNotFoundError here
    errors = [e for e in logs if e["log_level"] == "error"]
    assert len(errors) >= 2
    assert {e["event"] for e in errors} == {"checkpoint failed; the shard waits for it"}
    assert errors[0]["error"].startswith("FileNotFoundError: ")
    (saved,) = json.loads(checkpoint.read_text()).values()
    assert saved["sequence"] is not None and not saved["ended"]


def test_retries_count_afresh_once_the_checkpoint_moves(moto_url: str, tmp_path: Path) -> None:
    # reading 3 fails on its first delivery, reading 6 on its second: with one retry
    # allowed, neither has used it up when it fails, so nothing is given up
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "progress", shards=1)
    put(kinesis, "progress", readings(10, keys=10))
    deliveries: collections.Counter[int] = collections.Counter()
    failing = App("failing")

    @failing.kinesis()
    def on_reading(reading: Reading) -> None:
        deliveries[reading.n] += 1
        if (reading.n, deliveries[reading.n]) in {(3, 1), (6, 2)}:
            raise RuntimeError(f"reading {reading.n} fails on delivery {deliveries[reading.n]}")

    opts = options(moto_url, max_retries=1, batch_size=10)
    report = anyio.run(lambda: run(failing, arn, options=opts, signals=False))
    (stats,) = report.stats.values()
    assert stats.discarded == 0  # before: 6-9 given up after 6 failed once
    assert deliveries == {0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 3, 7: 3, 8: 3, 9: 3}


def test_a_stream_batch_waiting_out_its_retries_holds_no_slot(
    moto_url: str, poll_log: Path
) -> None:
    # one slot, a poison stream record retried forever, and a queue: the queue's
    # messages run between the retries (the retrying batch held the slot throughout)
    kinesis, sqs = client("kinesis", moto_url), client("sqs", moto_url)
    arn = make_stream(kinesis, "hogging", shards=1)
    put(kinesis, "hogging", [{"key": "k", "n": 0, "fail": "always"}])
    url = sqs.create_queue(QueueName="starved")["QueueUrl"]
    opts = options(
        moto_url, concurrency=1, retry_base=1.0, wait_time=1, idle_exit=None, batch_size=10
    )

    async def main() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run(app, arn, url, options=opts, stop=stop, signals=False))
            await anyio.to_thread.run_sync(_wait_for, poll_log, 1)  # the stream has failed
            await anyio.to_thread.run_sync(send_jobs, sqs, url, [{"id": n} for n in range(3)])
            with anyio.move_on_after(6):
                await anyio.to_thread.run_sync(_wait_for, poll_log, 4)
            stop.set()

    anyio.run(main)
    done = {e["id"] for e in read_log(poll_log) if e["event"] == "ok" and "id" in e}
    assert done == {0, 1, 2}
