"""The deadline (:mod:`lambent._deadline`): unfinished records are reported in time."""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App
from lambent.testing import FakeContext, sqs_event


class Order(msgspec.Struct):
    id: int


def test_one_second_left_and_a_two_second_handler_returns_in_time() -> None:
    app = App(deadline_margin=0.2)

    @app.sqs("orders")
    async def slow(order: Order) -> None:
        if order.id == 2:
            await anyio.sleep(2)

    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    context = FakeContext(timeout=1.0)
    begin = time.monotonic()
    result = app.handler(event, context)
    elapsed = time.monotonic() - begin
    assert elapsed < 1.0
    assert context.get_remaining_time_in_millis() > 0
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_deadline_with_fifo_reports_the_rest_of_the_group() -> None:
    app = App(deadline_margin=0.1)

    @app.sqs("orders.fifo")
    async def slow(order: Order) -> None:
        if order.id == 1:
            await anyio.sleep(5)

    event = sqs_event(
        {"id": 0},
        {"id": 1},
        {"id": 2},
        {"id": 3},
        queue="orders.fifo",
        group_id=["a", "a", "a", "b"],
    )
    result = app.handler(event, FakeContext(timeout=0.4))
    ids = [r["messageId"] for r in event["Records"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}


@given(
    now=st.floats(min_value=1.0e9, max_value=4.0e9, allow_nan=False),
    offset_ms=st.integers(min_value=-10_000, max_value=1_000_000),
)
def test_remaining_seconds_of_lambents_own_contexts_is_their_methods(
    now: float, offset_ms: int
) -> None:
    from lambent._deadline import remaining_seconds
    from lambent._fast import general_path
    from lambent.runtime._invocation import build_context

    deadline = int(now * 1000) + offset_ms
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: now)
        contexts: list[Any] = [
            FakeContext(deadline_ms=deadline, clock=time.time),  # the wall clock (patched)
            FakeContext(deadline_ms=deadline, clock=lambda: now + 0.5),  # a clock of its own
            build_context({"lambda-runtime-deadline-ms": str(deadline)}),
        ]
        for context in contexts:
            fast = remaining_seconds(context)
            with general_path():
                general = remaining_seconds(context)
            assert fast == general == context.get_remaining_time_in_millis() / 1000


def test_remaining_seconds_follows_a_wall_clock_replaced_after_the_context_was_made() -> None:
    from lambent._deadline import remaining_seconds

    context = FakeContext(timeout=5)  # reads the clock it was given: the real one
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: 0.0)
        # the real clock moves on between reads: the answer lies between the context's own
        # readings just before and just after it (the patched clock would give ~1.7e9 s)
        before = context.get_remaining_time_in_millis() / 1000
        seconds = remaining_seconds(context)
        after = context.get_remaining_time_in_millis() / 1000
        assert seconds is not None and after <= seconds <= before
        assert 4 < seconds <= 5
    assert remaining_seconds(object()) is None


@given(
    now=st.floats(min_value=1.0e9, max_value=4.0e9, allow_nan=False),
    offset_ms=st.integers(min_value=-3_000, max_value=40_000),
    margin=st.one_of(
        st.sampled_from([0.0, 0.001, 0.1, 0.3, 0.5, 1.0, 2.675, 29.0, float("inf")]),
        st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
    ),
)
def test_out_of_time_is_the_remaining_seconds_less_the_margin_at_most_zero(
    now: float, offset_ms: int, margin: float
) -> None:
    from lambent._deadline import out_of_time, remaining_seconds
    from lambent._fast import general_path
    from lambent.runtime._invocation import build_context

    deadline = int(now * 1000) + offset_ms
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: now)
        contexts: list[Any] = [
            FakeContext(deadline_ms=deadline, clock=time.time),  # the wall clock (patched)
            FakeContext(deadline_ms=deadline, clock=lambda: now + 0.5),  # a clock of its own
            build_context({"lambda-runtime-deadline-ms": str(deadline)}),
            object(),  # no deadline
        ]
        for context in contexts:
            left = remaining_seconds(context)
            expected = left is not None and left - margin <= 0
            assert out_of_time(margin)(context) is expected
            with general_path():
                assert out_of_time(margin)(context) is expected
