"""The batch fast paths (:mod:`lambent._fast`) answer exactly as the general path.

Lean record Structs, fused handler calls, inline runs and loop-free apps are each a
shortcut; inside ``general_path()`` every one is off. The same app, built and run both
ways on the same events, must give the same results, call its handlers with the same
values, and report the same failures.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, BatchFailedError, DecodeError, LambdaContext, Logger
from lambent._fast import MISS, counted, counting, general_path
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, dynamodb_event, kinesis_event, sqs_event
from lambent.testing.events import Change


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def _app(shape: str, is_async: bool, calls: list[Any]) -> App:
    app = App()

    def record(order: Order, *rest: Any) -> None:
        calls.append((order.id, *rest))
        if order.qty < 0:
            raise ValueError(f"order {order.id}: negative quantity")

    if shape == "payload":
        if is_async:

            @app.sqs()
            async def a(order: Order) -> None:
                record(order)
        else:

            @app.sqs()
            def p(order: Order) -> None:
                record(order)

    elif shape == "payload-and-message":

        @app.sqs()
        def pm(order: Order, message: SQSMessage) -> None:
            record(order, message.message_id)

    elif shape == "keyword":

        @app.sqs()
        def kw(order: Order, *, log: Logger, context: LambdaContext) -> None:
            record(order, context.aws_request_id)

    @app.kinesis()
    def k(order: Order) -> None:
        record(order)

    @app.dynamodb()
    def d(new: dict[str, Any] | None, old: dict[str, Any] | None) -> None:
        calls.append((new, old))

    return app


def _run(app: App, event: dict[str, Any]) -> Any:
    try:
        return app.handler(event, FakeContext(aws_request_id="r-1"))
    except (BatchFailedError, DecodeError, ValueError) as exc:
        return (type(exc).__name__, str(exc))


BODIES = st.lists(
    st.one_of(
        st.builds(lambda i, q: {"id": i, "qty": q}, st.integers(0, 99), st.integers(-1, 3)),
        st.just("not json"),
        st.just({"id": "x"}),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(
    bodies=BODIES,
    shape=st.sampled_from(["payload", "payload-and-message", "keyword"]),
    is_async=st.booleans(),
    fifo=st.booleans(),
    source=st.sampled_from(["sqs", "kinesis"]),
)
def test_batches_answer_as_the_general_path(
    bodies: list[Any], shape: str, is_async: bool, fifo: bool, source: str
) -> None:
    if source == "sqs":
        groups = [f"g{i % 3}" for i in range(len(bodies))] if fifo else None
        event = sqs_event(*bodies, queue="orders", fifo=fifo, group_id=groups, seed=1)
    else:
        event = kinesis_event(*bodies, seed=1)
    fast_calls: list[Any] = []
    fast = _run(_app(shape, is_async, fast_calls), event)
    general_calls: list[Any] = []
    with general_path():
        general = _run(_app(shape, is_async, general_calls), event)
    assert fast == general
    # the same calls; across order groups the general path may interleave differently
    assert sorted(map(repr, fast_calls)) == sorted(map(repr, general_calls))


_DELETED = object()  # a record's field removed


@pytest.mark.parametrize("field", ["attributes", "messageId", "body", "eventSourceARN"])
@pytest.mark.parametrize(
    "value",
    [_DELETED, None, 7, "x", {}, [], {"MessageGroupId": 7}, "arn:aws:sqs:eu-west-1:1:other"],
)
def test_a_damaged_sqs_record_answers_as_the_general_path(field: str, value: Any) -> None:
    """One record's envelope field replaced or removed (what SQS never sends, but a
    hand-made or corrupted event may): the raw road answers and calls as the general path
    does, or leaves the event to it."""
    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders", seed=1)
    record = event["Records"][1]
    if value is _DELETED:
        del record[field]
    else:
        record[field] = value
    fast_calls: list[Any] = []
    fast = _run(_app("payload", False, fast_calls), event)
    general_calls: list[Any] = []
    with general_path():
        general = _run(_app("payload", False, general_calls), event)
    assert (fast, fast_calls) == (general, general_calls)


@pytest.mark.parametrize(
    "change",
    [
        Change.insert({"id": "a", "n": 1}),
        Change.modify({"id": "a", "n": 0}, {"id": "a", "n": 1}),
        Change.remove({"id": "a", "n": 1}),
    ],
)
def test_dynamodb_images_answer_as_the_general_path(change: Change) -> None:
    event = dynamodb_event(change, change, seed=2)
    fast_calls: list[Any] = []
    fast = _run(_app("payload", False, fast_calls), event)
    general_calls: list[Any] = []
    with general_path():
        general = _run(_app("payload", False, general_calls), event)
    assert (fast, fast_calls) == (general, general_calls)


def _logged(app: App, event: dict[str, Any], context: Any) -> tuple[Any, list[Any], Any]:
    """The answer, each failure line's record, error and path, and the summary counts."""
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        out = _run_with(app, event, context)
    failed = sorted(
        (e["record_id"], e["error"], e.get("path"), "exc_info" in e)
        for e in logs
        if e["event"] == "record failed"
    )
    [summary] = [e for e in logs if e["event"] == "batch processed"]
    counts = {k: summary[k] for k in ("succeeded", "failed", "skipped", "not_started")}
    return out, failed, counts


def _run_with(app: App, event: dict[str, Any], context: Any) -> Any:
    try:
        return app.handler(event, context)
    except (BatchFailedError, DecodeError, ValueError) as exc:
        return (type(exc).__name__, str(exc))


def test_a_road_is_counted_only_when_made_inside_counting() -> None:
    """``counted`` adds nothing outside ``counting`` (the road itself is returned); inside,
    it counts the answers that are not ``MISS``, in the innermost block only."""

    def road(answer: Any) -> Any:
        return answer

    assert counted("r", road) is road
    with counting() as outer:
        first = counted("r", road)
        with counting() as inner:
            second = counted("r", road)
        assert [first(1), first(MISS), second(2), second(3)] == [1, MISS, 2, 3]
    assert outer == {"r": 1} and inner == {"r": 2}
    assert counted("r", road) is road


@pytest.mark.parametrize("source", ["sqs", "kinesis"])
def test_one_route_batches_log_each_failure_as_the_general_path(source: str) -> None:
    """A batch of one plain route runs in one fused loop: the same answer, the same
    failure lines (record, error, path, traceback or not) and the same counts."""
    bodies: list[Any] = [
        {"id": i, "qty": -1 if i % 7 == 3 else 1} if i % 11 else "not json" for i in range(40)
    ]
    event = sqs_event(*bodies, queue="q", seed=5) if source == "sqs" else kinesis_event(*bodies)
    fast = _logged(_app("payload", False, []), event, FakeContext())
    with general_path():
        general = _logged(_app("payload", False, []), event, FakeContext())
    assert fast == general
    if source == "sqs":  # no order groups: every failure is its own (4 undecodable)
        assert fast[2]["failed"] == 4 + 6 and len(fast[1]) == 10


def slow_at_three() -> App:
    """An app whose handler takes 0.3 s on record 3 (records after it miss a short deadline)."""
    import time

    made = App(deadline_margin=0.0)

    @made.sqs()
    def slow(order: Order) -> None:
        if order.id == 3:
            time.sleep(0.3)

    return made


def test_one_route_batches_stop_at_the_deadline_as_the_general_path() -> None:
    """Records after the deadline are not started, on the fused loop as on the general
    path (a plain handler cannot be interrupted: the one running finishes)."""
    event = sqs_event(*[{"id": i} for i in range(8)], queue="q", seed=6)
    fast = _logged(slow_at_three(), event, FakeContext(timeout=0.15))
    with general_path():
        general = _logged(slow_at_three(), event, FakeContext(timeout=0.15))
    assert fast == general
    assert fast[2] == {"succeeded": 4, "failed": 0, "skipped": 0, "not_started": 4}
