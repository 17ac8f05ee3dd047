"""Tumbling windows of one shard (lambent.poll._windows): which records form a window's
batch, which invocation is its last, and the state carried between its invocations.
Whole polls: test_kinesis.py."""

from __future__ import annotations

from typing import Any

from lambent.poll._windows import Window


def arrival(record: dict[str, Any]) -> float:
    return float(record["at"])


def records(*times: float) -> list[dict[str, Any]]:
    return [{"at": t} for t in times]


def test_an_open_window_waits_and_a_later_record_closes_it() -> None:
    window = Window(60.0)
    far_future = records(4e9, 4e9 + 1)  # its window has not ended: wait for more
    assert window.ready(far_future, 10, False, True, arrival) == []
    pending = records(600, 610, 660)  # 660 starts the next window: 600-659 is over
    assert window.ready(pending, 10, False, False, arrival) == pending[:2]
    assert window.final


def test_a_window_larger_than_a_batch_is_invoked_in_batches_the_last_one_final() -> None:
    window = Window(60.0)
    pending = records(600, 601, 602, 660)
    assert window.ready(pending, 2, False, False, arrival) == pending[:2]
    assert not window.final
    assert window.ready(pending[2:], 2, False, False, arrival) == pending[2:3]
    assert window.final


def test_state_is_carried_within_a_window_and_starts_empty_in_the_next() -> None:
    window = Window(60.0)
    first = window.fields(records(600), arrival, "shard-0", "arn:stream")
    assert first is not None and first["state"] == {}
    assert first["window"] == {"start": "1970-01-01T00:10:00Z", "end": "1970-01-01T00:11:00Z"}
    window.done({"state": {"count": 1}})
    same = window.fields(records(630), arrival, "shard-0", "arn:stream")
    assert same is not None and same["state"] == {"count": 1}
    window.done({"state": {"count": 2}})
    after = window.fields(records(660), arrival, "shard-0", "arn:stream")
    assert after is not None and after["state"] == {}


def test_no_window_no_fields() -> None:
    assert Window(0.0).fields(records(600), arrival, "shard-0", "arn:stream") is None
