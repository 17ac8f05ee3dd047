"""``lambent._compiled``: the compiled raw road a loop-free app's warm invocations take
(``FAST.compiled_records``) answers exactly as the general path does."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import general_path
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


@settings(max_examples=40, deadline=None)
@given(bodies=BODIES, odd=st.sampled_from(["", "other-queue", "int-body", "no-id", "empty-id"]))
def test_compiled_raw_batches_answer_as_the_general_path(bodies: list[Any], odd: str) -> None:
    """Warm invocations of a loop-free app take the compiled raw road
    (``compiled_records``): the same answer, calls, failure lines and counts as the
    general path, also for batches the raw road must leave to it (a record of another
    queue, a body that is not a string, a record without a usable id)."""
    event = sqs_event(*bodies, queue="orders", seed=3)
    if odd:
        record = event["Records"][len(bodies) // 2]
        if odd == "other-queue":
            record["eventSourceARN"] += "-2"
        elif odd == "int-body":
            record["body"] = 5
        elif odd == "no-id":
            del record["messageId"]
        else:
            record["messageId"] = ""
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
