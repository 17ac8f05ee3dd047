"""Whole-batch handlers with idempotency: records already done are left out of the batch
the handler gets, every record it did not report is marked done, records held elsewhere
are reported for retry (with the records after them in their order group); tumbling
windows refuse idempotency at registration."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lambent import App, ConfigurationError
from lambent.idempotency import IdempotencyStore, MemoryStore
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, kinesis_event, sqs_event

pytestmark = pytest.mark.network


def _failed(result: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


async def test_done_records_are_left_out_of_the_batch(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    batches: list[list[str]] = []
    flaky = {"b"}

    @app.sqs("bulk", idempotent=True)
    def write_all(records: list[SQSMessage]) -> list[SQSMessage]:
        batches.append([r.body for r in records])
        return [r for r in records if r.body in flaky]

    event = sqs_event("a", "b", "c", queue="bulk")
    ids = [r["messageId"] for r in event["Records"]]
    assert _failed(await app.dispatch(event, FakeContext())) == [ids[1]]
    flaky.clear()
    assert _failed(await app.dispatch(event, FakeContext())) == []  # the whole batch again
    assert _failed(await app.dispatch(event, FakeContext())) == []
    assert batches == [["a", "b", "c"], ["b"]]  # the third delivery had nothing to do


async def test_a_raising_handler_leaves_nothing_behind(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    calls: list[int] = []

    @app.sqs("bulk", idempotent=True)
    async def write_all(records: list[SQSMessage]) -> None:
        calls.append(len(records))
        if len(calls) == 1:
            raise RuntimeError("the bulk write failed")

    event = sqs_event("a", "b", queue="bulk")
    assert len(_failed(await app.dispatch(event, FakeContext()))) == 2
    assert _failed(await app.dispatch(event, FakeContext())) == []
    assert calls == [2, 2]


async def test_records_held_elsewhere_are_retried(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    seen: list[str] = []

    @app.kinesis("clicks", idempotent=True)
    def count(records: list[KinesisRecord]) -> None:
        seen.extend(f"{r.partition_key}:{r.data.decode()}" for r in records)

    event = kinesis_event("1", "2", "3", "4", stream="clicks", partition_key=["x", "x", "x", "y"])
    numbers = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    now = time.time()
    scope = f"{count.__module__}.{count.__qualname__}"
    assert (
        await store.claim(
            f"{scope}#{numbers[1]}", fingerprint="", token="other", expires_at=now + 60, now=now
        )
        is None
    )
    result = await app.dispatch(event, FakeContext())
    # the held record and the one after it in partition key "x" are reported; "y" ran
    assert _failed(result) == numbers[1:3]
    assert seen == ["x:1", "y:4"]


def test_tumbling_windows_refuse_idempotency() -> None:
    app = App(idempotency=MemoryStore())
    with pytest.raises(ConfigurationError, match=r"kinesis-stream route .*tumbling-window"):

        @app.kinesis("clicks", window=True, idempotent=True)
        def window(records: list[KinesisRecord], state: dict[str, int]) -> dict[str, int]:
            return state
