"""``lambent._compiled``: the compiled roads a loop-free app's warm invocations take
(``FAST.compiled_records``: raw dicts, and Structs decoded from the invocation's bytes)
answer exactly as the general path does."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import counting, general_path
from lambent.metrics import Metrics
from lambent.testing import FakeContext, sqs_event
from tests.test_fast import BODIES, Order, _logged, slow_at_three


def _warm(app: App, event: dict[str, Any], context: Any) -> tuple[Any, list[Any], Any]:
    """The answer, failure lines and counts of a warm invocation (the app is frozen by a
    first one: compiled answers are made then)."""
    app.handler(sqs_event({"id": 0}, queue="warm-up", seed=9), FakeContext())
    return _logged(app, event, context)


def _one_route(calls: list[Any]) -> App:
    app = App()

    @app.sqs()
    def p(order: Order) -> None:
        calls.append(order.id)
        if order.qty < 0:
            raise ValueError(f"order {order.id}: negative quantity")

    return app


def _odd_event(bodies: list[Any], odd: str, seed: int) -> dict[str, Any]:
    """An SQS event of ``bodies`` with one oddity: its middle record of another queue, with
    a body that is not a string, without an id or with an empty one; a FIFO queue's; or
    ``large``, past ``SMALL_EVENT`` (the records repeated under new ids)."""
    event = sqs_event(*bodies, queue="orders.fifo" if odd == "fifo" else "orders", seed=seed)
    record = event["Records"][len(bodies) // 2]
    if odd == "other-queue":
        record["eventSourceARN"] += "-2"
    elif odd == "int-body":
        record["body"] = 5
    elif odd == "no-id":
        del record["messageId"]
    elif odd == "empty-id":
        record["messageId"] = ""
    elif odd == "large":
        records = event["Records"] * (40 // len(bodies) + 1)
        event["Records"] = [dict(r, messageId=f"m-{i}") for i, r in enumerate(records)]
    return event


def _sqs_bytes(bodies: list[Any], odd: str, seed: int) -> bytes:
    return json.dumps(_odd_event(bodies, odd, seed)).encode()


@settings(max_examples=40, deadline=None)
@given(bodies=BODIES, odd=st.sampled_from(["", "other-queue", "int-body", "no-id", "empty-id"]))
def test_compiled_raw_batches_answer_as_the_general_path(bodies: list[Any], odd: str) -> None:
    """Warm invocations of a loop-free app take the compiled raw road
    (``compiled_records``): the same answer, calls, failure lines and counts as the
    general path, also for batches the raw road must leave to it (a record of another
    queue, a body that is not a string, a record without a usable id)."""
    event = _odd_event(bodies, odd, seed=3)
    fast_calls: list[Any] = []
    try:
        fast: Any = _warm(_one_route(fast_calls), event, FakeContext())
    except Exception as exc:  # compared with the general path's
        fast = (type(exc).__name__, str(exc))
    general_calls: list[Any] = []
    with general_path():
        try:
            general: Any = _warm(_one_route(general_calls), event, FakeContext())
        except Exception as exc:
            general = (type(exc).__name__, str(exc))
    assert fast == general
    assert fast_calls == general_calls


def test_compiled_raw_batches_stop_at_the_deadline_as_the_general_path() -> None:
    event = sqs_event(*[{"id": i} for i in range(8)], queue="q", seed=6)
    fast = _warm(slow_at_three(), event, FakeContext(timeout=0.15))
    with general_path():
        general = _warm(slow_at_three(), event, FakeContext(timeout=0.15))
    assert fast == general
    assert fast[2] == {"succeeded": 4, "failed": 0, "skipped": 0, "not_started": 4}


def _metered(out: io.StringIO) -> App:
    app = App(metrics=Metrics(namespace="shop", stream=out))

    @app.sqs()
    def p(order: Order, metrics: Metrics) -> None:
        metrics.add("Orders", 1)
        if order.qty < 0:
            raise ValueError(f"order {order.id}: negative quantity")

    return app


def _documents(out: io.StringIO) -> list[dict[str, Any]]:
    """The EMF documents written, without what differs between any two runs (the time,
    the duration, the record age)."""
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    for doc in docs:
        doc["_aws"].pop("Timestamp")
        for key in ("Duration", "RecordAge"):
            assert doc.pop(key, 0.0) >= 0
    return docs


@settings(max_examples=25, deadline=None)
@given(bodies=BODIES)
def test_compiled_raw_batches_write_the_general_paths_metrics(bodies: list[Any]) -> None:
    """An app with metrics takes the compiled raw road too: the same answer and the same
    EMF documents (the dispatcher's and the handler's own) as the general path."""
    event = sqs_event(*bodies, queue="orders", seed=4)
    fast_out, general_out = io.StringIO(), io.StringIO()
    fast = _warm(_metered(fast_out), event, FakeContext())
    with general_path():
        general = _warm(_metered(general_out), event, FakeContext())
    assert fast == general
    assert _documents(fast_out) == _documents(general_out)
    dispatcher = [d for d in _documents(fast_out) if "BatchSize" in d]
    assert dispatcher[-1]["BatchSize"] == len(bodies)


def _logged_bytes(app: App, raw: bytes, context: Any) -> tuple[Any, list[Any], Any]:
    """The answer, failure lines and counts of a warm invocation from the invocation's
    bytes, as ``lambent.runtime`` hands them over (``dispatch_bytes``)."""
    import asyncio

    from structlog.testing import capture_logs

    async def warm() -> Any:
        await app.dispatch_bytes(json.dumps(sqs_event({"id": 0}, seed=9)).encode())
        try:
            return await app.dispatch_bytes(raw, context)
        except Exception as exc:
            return (type(exc).__name__, str(exc))

    with capture_logs() as logs:
        out = asyncio.run(warm())
    failed = sorted(
        (e["record_id"], e["error"], e.get("path"), "exc_info" in e)
        for e in logs
        if e["event"] == "record failed"
    )
    summaries = [e for e in logs if e["event"] == "batch processed"][1:]  # after the warm-up
    counts = [{k: s[k] for k in ("succeeded", "failed", "skipped", "not_started")}
              for s in summaries]  # fmt: skip
    return out, failed, counts


@settings(max_examples=40, deadline=None)
@given(
    bodies=BODIES,
    odd=st.sampled_from(["", "other-queue", "int-body", "no-id", "fifo", "large"]),
)
def test_compiled_decoded_batches_answer_as_the_general_path(bodies: list[Any], odd: str) -> None:
    """Batches decoded from the invocation's bytes take the compiled decoded road when
    every record has one route key and the batch needs no order: the same answer, calls,
    failure lines and counts as the general path, also for those it must leave to it (a
    record of another queue, a FIFO batch, records that do not decode as Structs)."""
    raw = _sqs_bytes(bodies, odd, seed=5)
    fast_calls: list[Any] = []
    fast = _logged_bytes(_one_route(fast_calls), raw, FakeContext())
    general_calls: list[Any] = []
    with general_path():
        general = _logged_bytes(_one_route(general_calls), raw, FakeContext())
    assert fast == general
    assert fast_calls == general_calls


@pytest.mark.parametrize("size", [10, 400], ids=["small", "large"])
def test_the_compiled_decoded_road_answers_standard_batches(size: int) -> None:
    """A standard queue's batch from bytes, small or large, is answered by the compiled
    road (so the general path is never entered); a FIFO queue's is not."""
    from lambent._runtime import run_loop_free as run

    with counting() as taken:
        app = _one_route([])
        run(app.dispatch_bytes(_sqs_bytes([{"id": 1}], "", seed=2)))  # frozen: compiled now
    assert taken == {"compiled decoded": 1}
    bodies = [{"id": i, "qty": -1 if i % 9 == 4 else 1} for i in range(size)]
    out = run(app.dispatch_bytes(_sqs_bytes(bodies, "", seed=3), FakeContext()))
    assert len(out["batchItemFailures"]) == len([i for i in range(size) if i % 9 == 4])
    # the same queue as the first batch: a small one decoded straight with its type
    # (learned_keys), a large one from the head of its bytes
    roads = (
        {"compiled decoded": 1, "compiled learned": 1} if size < 100 else {"compiled decoded": 2}
    )
    assert taken == roads
    run(app.dispatch_bytes(_sqs_bytes(bodies, "fifo", seed=3), FakeContext()))
    assert taken == roads  # message groups to keep: the general path's


def test_the_compiled_raw_road_answers_the_runtimes_dicts() -> None:
    """Warm invocations of a loop-free app with a standard queue's batch as dicts take
    the compiled raw road; an app frozen outside ``counting`` is not counted."""
    with counting() as taken:
        app = _one_route([])
        app.handler(sqs_event({"id": 0}, queue="orders", seed=9), FakeContext())
        app.handler(_odd_event([{"id": 1}, {"id": 2}], "", seed=3), FakeContext())
        app.handler(_odd_event([{"id": 1}, {"id": 2}], "other-queue", seed=3), FakeContext())
        _one_route([]).handler(sqs_event({"id": 0}, queue="orders", seed=9), FakeContext())
    # two of the first app's (frozen by its first invocation, then compiled) and the
    # other app's one; the batch with a record of another queue took the general path
    assert taken == {"compiled raw": 2 + 1}
    app.handler(_odd_event([{"id": 1}, {"id": 2}], "", seed=3), FakeContext())
    assert taken == {"compiled raw": 4}
    with counting() as later:
        app.handler(_odd_event([{"id": 1}, {"id": 2}], "", seed=3), FakeContext())
    assert later == {} and taken == {"compiled raw": 5}


def test_compiled_decoded_batches_stop_at_the_deadline_as_the_general_path() -> None:
    raw = json.dumps(sqs_event(*[{"id": i} for i in range(8)], queue="q", seed=6)).encode()
    fast = _logged_bytes(slow_at_three(), raw, FakeContext(timeout=0.15))
    with general_path():
        general = _logged_bytes(slow_at_three(), raw, FakeContext(timeout=0.15))
    assert fast == general
    assert fast[2] == [{"succeeded": 4, "failed": 0, "skipped": 0, "not_started": 4}]


@settings(max_examples=15, deadline=None)
@given(bodies=BODIES, large=st.booleans())
def test_compiled_decoded_batches_write_the_general_paths_metrics(
    bodies: list[Any], large: bool
) -> None:
    raw = _sqs_bytes(bodies, "large" if large else "", seed=4)
    fast_out, general_out = io.StringIO(), io.StringIO()
    fast = _logged_bytes(_metered(fast_out), raw, FakeContext())
    with general_path():
        general = _logged_bytes(_metered(general_out), raw, FakeContext())
    assert fast == general
    assert _documents(fast_out) == _documents(general_out)


def test_a_handlers_exception_is_freed_when_the_invocation_returns() -> None:
    """Logged and answered, a handler's exception (whose traceback's frames hold the batch
    that holds it) is freed by reference counting, not left to the garbage collector."""
    import gc
    import weakref

    class Refused(Exception):
        """A user's exception (a builtin one takes no weak reference)."""

    raised: list[weakref.ref[BaseException]] = []
    app = App()

    def remembered(error: Refused) -> Refused:
        raised.append(weakref.ref(error))
        return error

    @app.sqs()
    def p(order: Order) -> None:
        raise remembered(Refused(f"order {order.id}"))  # no local: no cycle of its own

    app.handler(sqs_event({"id": 0}, queue="warm-up", seed=9), FakeContext())
    raised.clear()
    gc.disable()
    try:
        out = app.handler(sqs_event({"id": 1}, {"id": 2}, queue="orders", seed=3), FakeContext())
        assert len(out["batchItemFailures"]) == 2
        assert [ref() for ref in raised] == [None, None]
    finally:
        gc.enable()


def _learned_odd(bodies: list[Any], odd: str) -> bytes:
    """A batch of the queue the warm-up's was (its route key learned) with one oddity: a
    record of another queue, one not from SQS or without ``eventSource``, another
    top-level key, a FIFO queue's, or none."""
    event = _odd_event(bodies, "fifo" if odd == "fifo" else "", seed=8)
    record = event["Records"][len(bodies) // 2]
    if odd == "other-queue":
        record["eventSourceARN"] += "-2"
    elif odd == "not-sqs":
        record["eventSource"] = "aws:sns"
    elif odd == "no-source":
        del record["eventSource"]
    elif odd == "more-keys":
        event["More"] = 1
    elif odd == "empty":
        event["Records"] = []
    return json.dumps(event).encode()


def _learned_runs(app: App, raws: list[bytes]) -> list[Any]:
    """What each invocation from bytes answers and logs, after a warm-up of the same
    queue (whose route key the app learns) ."""
    warm = json.dumps(sqs_event({"id": 0}, queue="orders", seed=9)).encode()
    return [_logged_bytes(app, raw, FakeContext()) for raw in (warm, *raws)]


@settings(max_examples=30, deadline=None)
@given(
    bodies=BODIES,
    odd=st.sampled_from(["", "other-queue", "not-sqs", "no-source", "more-keys", "fifo", "empty"]),
)
def test_learned_keys_answer_as_the_general_path(bodies: list[Any], odd: str) -> None:
    """A batch of the route key the last one had decodes with the learned type straight
    away (``learned_keys``): the same answers, calls, failure lines and counts as the
    general path, also for the batches it must leave to the head probe."""
    raws = [_learned_odd(bodies, ""), _learned_odd(bodies, odd), _learned_odd(bodies, "")]
    fast_calls: list[Any] = []
    fast = _learned_runs(_one_route(fast_calls), raws)
    general_calls: list[Any] = []
    with general_path():
        general = _learned_runs(_one_route(general_calls), raws)
    assert fast == general
    assert fast_calls == general_calls


def test_learned_keys_skip_the_head_probe_until_a_source_may_claim_first() -> None:
    """After one batch of a queue, the next of that queue is decoded with its type
    straight away; a user source registered ahead of SQS that may claim the event ends
    that until it is gone again."""
    import msgspec

    from lambent import sources
    from lambent._runtime import run_loop_free as run
    from lambent.sources import SourceSpec

    raw = _sqs_bytes([{"id": 1}, {"id": 2, "qty": -1}], "", seed=2)
    with counting() as taken:
        app = _one_route([])
        answers = [run(app.dispatch_bytes(raw, FakeContext())) for _ in range(3)]
    assert answers[1] == answers[2] == answers[0]
    assert taken == {"compiled decoded": 1, "compiled learned": 2}

    class Claimer(msgspec.Struct):
        Records: list[Any]

    mine = SourceSpec(requires="Records", kind="records-ahead", detect=lambda e: False,
                      event_type=Claimer, item_type=dict, items=lambda e: e.Records,
                      item_id=lambda i: "", route_key=lambda e, i: None,
                      payload=lambda i: i)  # fmt: skip
    sources.register(mine)
    try:
        assert [run(app.dispatch_bytes(raw, FakeContext())) for _ in range(2)] == answers[:2]
    finally:
        sources.unregister(mine)
    assert taken == {"compiled decoded": 3, "compiled learned": 2}
    assert [run(app.dispatch_bytes(raw, FakeContext())) for _ in range(2)] == answers[:2]
    assert taken == {"compiled decoded": 4, "compiled learned": 3}
