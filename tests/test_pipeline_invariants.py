"""Batch sources through the App: every record ends exactly once, order and checkpoints hold.

Property-based over random batches, failure patterns, delays and deadlines, for SQS
standard and FIFO, Kinesis, DynamoDB Streams, Kafka, Firehose and Amazon MQ.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent import App, BatchFailedError, Dropped
from lambent.testing import (
    Change,
    FakeContext,
    dynamodb_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    mq_event,
    sqs_event,
)


class Job(msgspec.Struct):
    i: int
    key: str = ""
    fail: bool = False
    drop: bool = False
    delay: int = 0


@dataclass
class Source:
    name: str
    register: Callable[[App], Callable[[Any], Any]]
    build: Callable[[list[Job]], dict[str, Any]]
    ids: Callable[[dict[str, Any]], list[Any]]  # wire identifiers, in batch order
    ordered: bool  # records of one key run in order
    stream: bool = False  # reports sequence numbers; checkpoint rule applies
    mode: str = "batch"


def _bodies(jobs: list[Job]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(j) for j in jobs]


def _kafka(jobs: list[Job]) -> dict[str, Any]:
    # one topic, partitions by key: build one event per partition and merge them
    merged: dict[str, Any] | None = None
    offsets: dict[int, int] = {}
    for job in jobs:
        partition = int(job.key or "0")
        offset = offsets.get(partition, 100)
        offsets[partition] = offset + 1
        ev = kafka_event(
            msgspec.to_builtins(job), topic="payments", partition=partition, offset=offset
        )
        if merged is None:
            merged = ev
        else:
            for name, records in ev["records"].items():
                merged["records"].setdefault(name, []).extend(records)
    assert merged is not None
    return merged


def _kafka_ids(event: dict[str, Any]) -> list[Any]:
    return [
        {"partition": name, "offset": r["offset"]}
        for name, records in event["records"].items()
        for r in records
    ]


SOURCES = [
    Source(
        "sqs",
        lambda app: app.sqs("orders"),
        lambda jobs: sqs_event(*_bodies(jobs), queue="orders"),
        lambda ev: [r["messageId"] for r in ev["Records"]],
        ordered=False,
    ),
    Source(
        "sqs-fifo",
        lambda app: app.sqs("orders.fifo"),
        lambda jobs: sqs_event(
            *_bodies(jobs), queue="orders.fifo", group_id=[j.key or "g" for j in jobs]
        ),
        lambda ev: [r["messageId"] for r in ev["Records"]],
        ordered=True,
    ),
    Source(
        "kinesis",
        lambda app: app.kinesis("clicks"),
        lambda jobs: kinesis_event(
            *_bodies(jobs), stream="clicks", partition_key=[j.key or "p" for j in jobs]
        ),
        lambda ev: [r["kinesis"]["sequenceNumber"] for r in ev["Records"]],
        ordered=True,
        stream=True,
    ),
    Source(
        "dynamodb",
        lambda app: app.dynamodb("orders"),
        lambda jobs: dynamodb_event(
            *[
                Change.insert({**msgspec.to_builtins(j), "pk": j.key or "k"}, key="pk")
                for j in jobs
            ],
            table="orders",
        ),
        lambda ev: [r["dynamodb"]["SequenceNumber"] for r in ev["Records"]],
        ordered=True,
        stream=True,
    ),
    Source("kafka", lambda app: app.kafka("payments"), _kafka, _kafka_ids, ordered=True),
    Source(
        "firehose",
        lambda app: app.firehose("deliveries"),
        lambda jobs: firehose_event(*_bodies(jobs), stream="deliveries"),
        lambda ev: [r["recordId"] for r in ev["records"]],
        ordered=False,
        mode="firehose",
    ),
    Source(
        "activemq",
        lambda app: app.mq("orders"),
        lambda jobs: mq_event(*_bodies(jobs), queue="orders"),
        lambda ev: [m["messageID"] for m in ev["messages"]],
        ordered=False,
        mode="all",
    ),
]

jobs_strategy = st.lists(
    st.tuples(
        st.sampled_from(["", "1", "2", "3"]),
        st.booleans(),
        st.booleans(),
        st.sampled_from([0, 0, 1, 3]),
    ),
    min_size=1,
    max_size=25,
)


def _raw_records(event: dict[str, Any]) -> list[dict[str, Any]]:
    if "Records" in event:
        return list(event["Records"])
    if "messages" in event:
        return list(event["messages"])
    if isinstance(event.get("records"), list):
        return list(event["records"])
    return [r for records in event["records"].values() for r in records]


def _corrupt(record: dict[str, Any]) -> None:
    """Break a raw record so that it does not decode, keeping its identifier readable."""
    if "kinesis" in record:
        record["kinesis"]["data"] = 12345
        return
    if "dynamodb" in record:
        record["dynamodb"]["ApproximateCreationDateTime"] = "bad"
        return
    if "body" in record:
        record["attributes"] = "bad"
    elif "value" in record:
        record["value"] = 12345
    else:
        record["data"] = 12345


def run_case(
    source: Source,
    raw: list[tuple[str, bool, bool, int]],
    timeout: float | None,
    sync: bool = False,
    corrupt: frozenset[int] = frozenset(),
) -> None:
    jobs = [Job(i=i, key=k, fail=f, drop=d, delay=dl) for i, (k, f, d, dl) in enumerate(raw)]
    app = App(concurrency=4, deadline_margin=0.0)
    log: list[tuple[str, int]] = []
    loops: list[asyncio.AbstractEventLoop] = []

    async def handler(job: Job) -> Any:
        log.append(("start", job.i))
        if job.delay:
            await anyio.sleep(job.delay / 1000)
        log.append(("end", job.i))
        if job.fail:
            raise RuntimeError(f"job {job.i}")
        if source.mode == "firehose" and job.drop:
            return Dropped
        return {"done": job.i} if source.mode == "firehose" else None

    def sync_handler(job: Job) -> Any:
        log.append(("start", job.i))
        with contextlib.suppress(RuntimeError):  # no loop: the loop-free path of a plain app
            loops.append(asyncio.get_running_loop())
        log.append(("end", job.i))
        if job.fail:
            raise RuntimeError(f"job {job.i}")
        if source.mode == "firehose" and job.drop:
            return Dropped
        return {"done": job.i} if source.mode == "firehose" else None

    source.register(app)(sync_handler if sync else handler)
    event = source.build(jobs)
    wire_ids = source.ids(event)
    assert len(wire_ids) == len(jobs)
    # the batch order of jobs as delivered (Kafka groups by partition)
    order = _delivered_order(source, event)
    records = _raw_records(event)
    broken = {order[p] for p in corrupt if p < len(records)}
    for p in corrupt:
        if p < len(records):
            _corrupt(records[p])
    context = FakeContext(timeout=timeout if timeout is not None else 60)
    error: BatchFailedError | None = None
    try:
        # plain handlers go through app.handler: the loop-free path of a plain app
        result = app.handler(event, context) if sync else asyncio.run(app.dispatch(event, context))
    except BatchFailedError as exc:
        result, error = None, exc
    assert loops == [], "a plain app ran its handlers on an event loop"

    started = [i for ev, i in log if ev == "start"]
    assert len(started) == len(set(started)), "a record ran twice"
    assert not broken & set(started), "an undecodable record reached its handler"
    if source.ordered and broken:
        first_broken = min(order.index(i) for i in broken)
        assert all(order.index(i) < first_broken for i in started), (
            "ran after an undecodable record"
        )
    completed_ok = {i for ev, i in log if ev == "end" and not jobs[i].fail}
    id_of = dict(zip(order, wire_ids, strict=True))

    if source.mode == "batch":
        reported = [f["itemIdentifier"] for f in result["batchItemFailures"]]
        assert all(r not in ("", None) for r in reported)
        assert all(r in wire_ids for r in reported), "reported an identifier not in the batch"
        assert len({repr(r) for r in reported}) == len(reported), "reported twice"
        reported_jobs = {i for i in order if id_of[i] in reported}
        for i in order:
            # exactly once: succeeded, or reported failed -- never both, never neither
            assert (i in completed_ok) != (i in reported_jobs), f"record {i}"
        if source.stream and reported:
            checkpoint = min(int(r) for r in reported)
            unfinished = [int(id_of[i]) for i in order if i not in completed_ok]
            assert all(checkpoint <= s for s in unfinished)
    elif source.mode == "firehose":
        records = result["records"]
        assert [r["recordId"] for r in records] == wire_ids
        for i, record in zip(order, records, strict=True):
            job = jobs[i]
            if i in completed_ok:
                expected = "Dropped" if job.drop else "Ok"
            else:
                expected = "ProcessingFailed"
            assert record["result"] == expected, (i, record)
            if expected == "Ok":
                assert msgspec.json.decode(base64.b64decode(record["data"])) == {"done": i}
    else:  # all-or-nothing (Amazon MQ): every record is tried, failures fail the invocation
        failed = [i for i in order if i not in completed_ok]
        if failed:
            assert error is not None
            assert sorted(error.failed_ids) == sorted(id_of[i] for i in failed)
        else:
            assert error is None
        if timeout is None:  # every record that decodes is tried
            assert set(started) == set(order) - broken

    if source.ordered:
        position = {(ev, i): n for n, (ev, i) in enumerate(log)}
        by_key: dict[str, list[int]] = {}
        for i in order:
            by_key.setdefault(jobs[i].key or "-", []).append(i)
        for members in by_key.values():
            failed_before = False
            for prev, nxt in itertools.pairwise(members):
                if nxt in started:
                    assert position[("end", prev)] < position[("start", nxt)], "ran out of order"
            for i in members:
                if failed_before:
                    assert i not in started, "ran after an earlier failure of its key"
                if i in started and i not in completed_ok:
                    failed_before = True


def _delivered_order(source: Source, event: dict[str, Any]) -> list[int]:
    if source.name == "kafka":
        return [
            msgspec.json.decode(base64.b64decode(r["value"]))["i"]
            for records in event["records"].values()
            for r in records
        ]
    if source.name == "dynamodb":
        return [int(r["dynamodb"]["NewImage"]["i"]["N"]) for r in event["Records"]]
    return list(range(len(source.ids(event))))


def _examples(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
@_examples(40)
@given(raw=jobs_strategy)
def test_no_record_lost_without_deadline(
    source: Source, raw: list[tuple[str, bool, bool, int]]
) -> None:
    run_case(source, raw, None)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
@_examples(20)
@given(raw=jobs_strategy, timeout=st.sampled_from([0.0, 0.002, 0.005]))
def test_no_record_lost_at_the_deadline(
    source: Source, raw: list[tuple[str, bool, bool, int]], timeout: float
) -> None:
    run_case(source, raw, timeout)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
@_examples(40)
@given(raw=jobs_strategy)
def test_no_record_lost_with_plain_handlers(
    source: Source, raw: list[tuple[str, bool, bool, int]]
) -> None:
    """Plain ``def`` handlers take the inline path: the same guarantees hold."""
    run_case(source, raw, None, sync=True)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
@_examples(30)
@given(raw=jobs_strategy, corrupt=st.frozensets(st.integers(0, 24), max_size=3), sync=st.booleans())
def test_undecodable_records_fail_alone_and_keep_order(
    source: Source, raw: list[tuple[str, bool, bool, int]], corrupt: frozenset[int], sync: bool
) -> None:
    run_case(source, raw, None, sync=sync, corrupt=corrupt)
