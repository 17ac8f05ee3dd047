"""Events from the invocation's bytes (``lambent.sources._bytes`` and each source's
``decode_bytes``) answer exactly as the general path from Python values.

Over the whole corpus: the probe detects what the full event detects; a source's
``decode_bytes`` gives the Struct ``decode_general`` gives (or both refuse); and an app
answers ``dispatch_bytes`` as it answers ``dispatch`` of the parsed event, with the fast
paths on and off.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import general_path
from lambent.sources import detect, spec_for
from lambent.sources._bytes import decode_general, probe
from lambent.testing import FakeContext, sqs_event
from tests import corpus
from tests.sources import _support

ROWS = corpus.params()


class Order(msgspec.Struct):
    id: int


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("row", ROWS)
def test_the_probe_detects_what_the_event_detects(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    assert row is not None
    shape = probe(row.raw())
    if not isinstance(event, dict):
        assert shape is None
        return
    assert shape is not None and detect(shape) == detect(event)


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("lean", [False, True], ids=["full", "lean"])
def test_decode_bytes_equals_the_general_decode(row: corpus.Row | None, lean: bool) -> None:
    event = corpus.load(row)
    assert row is not None
    spec = spec_for(event)
    if spec is None:
        return
    raw = row.raw()
    fast = _outcome(lambda: spec.decode_bytes(raw, lean=lean))
    general = _outcome(lambda: decode_general(spec, raw, lean=lean))
    assert fast[0] == general[0]
    if fast[0] == "ok":
        assert fast == general


def _apps() -> list[App]:
    """An app with a route for every kind, with and without an S3 route (S3 routes also
    take notifications inside SQS, SNS and EventBridge records, so their events keep
    the dicts; without it every record event decodes from bytes)."""
    from tests.runtime.apps import kinds

    return [kinds.app, kinds.records_app]


async def _both(app: App, raw: bytes) -> tuple[Any, Any]:
    return await _both_ways(app, raw, json.loads(raw))


@pytest.mark.parametrize("row", ROWS)
async def test_an_app_answers_bytes_as_it_answers_the_event(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    assert row is not None
    raw = row.raw()
    if isinstance(event, dict) and "ResponseURL" in event:  # no PUT leaves the machine
        raw = json.dumps(_support.local_response_url(event)).encode()
    for app in _apps():
        fast, general = await _both(app, raw)
        assert fast == general
        with general_path():
            off_fast, off_general = await _both(app, raw)
        assert off_fast == off_general == general


_body = st.one_of(
    st.builds(lambda n: json.dumps({"id": n}), st.integers(-5, 5)),
    st.text(max_size=20),
)


@settings(max_examples=60, deadline=None)
@given(bodies=st.lists(_body, min_size=1, max_size=8))
async def test_sqs_batches_with_bad_records_answer_alike(bodies: list[str]) -> None:
    app = App()

    @app.sqs()
    def on_order(order: Order) -> None:
        if order.id < 0:
            raise ValueError("negative")

    event = sqs_event(*bodies, queue="orders", seed=1)
    raw = json.dumps(event).encode()
    fast = await app.dispatch_bytes(raw, FakeContext())
    general = await app.dispatch(event, FakeContext())
    assert fast == general


def _recording(calls: list[int]) -> App:
    app = App()

    @app.sqs()
    def on_order(order: Order) -> None:
        calls.append(order.id)

    return app


@pytest.mark.parametrize("size", [3, 400], ids=["small", "large"])  # large: the head probe
@pytest.mark.parametrize(
    "attributes", [None, "x", {"MessageGroupId": 0}, {"MessageGroupId": None}, {}]
)
async def test_a_standard_queue_record_with_odd_attributes_answers_alike(
    attributes: Any, size: int
) -> None:
    """The bytes roads decode a standard queue's records without their attributes, but
    check them as the lean Structs do: an answer, and handler calls, the same as from the
    runtime's dicts and with every fast path off."""
    answers = []
    for road in ("bytes", "dicts", "general"):
        calls: list[int] = []
        app = _recording(calls)
        event = sqs_event(*({"id": i} for i in range(size)), queue="orders", seed=2)
        event["Records"][1]["attributes"] = attributes
        raw = json.dumps(event).encode()
        for _ in range(2):  # the second batch: a queue learned from the first
            if road == "general":
                with general_path():
                    answer = await app.dispatch(event, FakeContext())
            elif road == "dicts":
                answer = await app.dispatch(event, FakeContext())
            else:
                answer = await app.dispatch_bytes(raw, FakeContext())
        answers.append((answer, sorted(calls)))
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize("size", [3, 400], ids=["small", "large"])
def test_a_queue_arn_with_a_lone_surrogate_is_answered_from_bytes(size: int) -> None:
    """A queue ARN no literal can hold (a lone surrogate: never sent, but JSON may spell
    it): lambent.runtime's target answers the batch as ``app.handler`` answers its dicts."""
    from lambent.runtime._target import AppTarget

    answers = []
    for road in ("bytes", "dicts"):
        calls: list[int] = []
        app = _recording(calls)
        event = sqs_event(*({"id": i} for i in range(size)), queue="orders\ud800", seed=2)
        target = AppTarget(app)
        assert target.start_sync()
        for _ in range(2):  # the second batch: a queue learned from the first, if any
            if road == "dicts":
                answer = app.handler(event, FakeContext())
            else:
                raw = json.dumps(event).encode()
                payload, _ = target.invoke_now(raw, "application/json", FakeContext())
                assert isinstance(payload, bytes)  # a batch response, never a stream
                answer = json.loads(payload)
        answers.append((answer, sorted(calls)))
    assert answers[0] == answers[1]
    assert answers[0][0] == {"batchItemFailures": []} and len(answers[0][1]) == 2 * size


async def test_bytes_that_are_not_json_raise_not_json() -> None:
    from lambent._pipeline import NotJSON

    with pytest.raises(NotJSON):
        await App().dispatch_bytes(b'{"Records": [', FakeContext())


@pytest.mark.parametrize("fast", [True, False], ids=["fast-paths", "general-path"])
async def test_a_large_batch_is_detected_on_the_probe_and_answers_alike(fast: bool) -> None:
    from lambent._pipeline import SMALL_EVENT

    app = App()

    @app.sqs()
    def on_order(order: Order) -> None:
        if order.id % 7 == 0:
            raise ValueError("multiple of seven")

    bodies = [json.dumps({"id": i}) if i % 11 else "not json" for i in range(300)]
    event = sqs_event(*bodies, queue="orders", seed=3)
    raw = json.dumps(event).encode()
    assert len(raw) > SMALL_EVENT  # the probe, not a whole decode, detects it
    if fast:
        got = await app.dispatch_bytes(raw, FakeContext())
    else:
        with general_path():
            got = await app.dispatch_bytes(raw, FakeContext())
    want = await app.dispatch(event, FakeContext())
    assert got == want and len(got["batchItemFailures"]) == 43 + 28 - 4


@pytest.mark.parametrize("row", ROWS)
def test_the_head_probe_is_the_probe_of_one_key_events(row: corpus.Row | None) -> None:
    from lambent.sources._bytes import head_probe

    event = corpus.load(row)  # skips (fails under CI=true) without the corpus
    assert row is not None
    raw = row.raw()
    head = head_probe(raw)
    if head is None:
        return
    assert isinstance(event, dict)
    key = next(iter(event))
    assert list(head) == [key] and head[key] == event[key][:1]
    if len(event) == 1:
        assert head == probe(raw)


@pytest.mark.parametrize(
    "extra",
    [None, {"extra": 1}, {"Records": "twice"}],
    ids=["one-key", "another-key", "the-key-twice"],
)
async def test_a_large_one_key_batch_read_from_its_head_answers_alike(
    extra: dict[str, Any] | None,
) -> None:
    """Detected from the head of its bytes and decoded in one pass; another top-level key
    after the records sends the event to the whole probe, with the same answer."""
    from lambent._pipeline import SMALL_EVENT

    def app() -> App:
        made = App()

        @made.sqs()
        def on_order(order: Order) -> None:
            if order.id % 5 == 0:
                raise ValueError("multiple of five")

        return made

    event: dict[str, Any] = sqs_event(*[{"id": i} for i in range(300)], queue="q", seed=4)
    raw = json.dumps(event).encode()
    if extra is not None:
        raw = raw[:-1] + b", " + json.dumps(extra).encode()[1:]
    assert len(raw) > SMALL_EVENT
    parsed = json.loads(raw)
    fast = await _both_ways(app(), raw, parsed)
    with general_path():
        general = await _both_ways(app(), raw, parsed)
    assert fast == general
    assert fast[0] == fast[1]
    if extra is None:
        assert len(fast[0][1]["batchItemFailures"]) == 60


async def _both_ways(app: App, raw: bytes, parsed: Any) -> tuple[Any, Any]:
    """The outcome of the bytes, and of the event the managed runtime would parse."""
    results: list[tuple[Any, ...]] = []
    runs: list[Callable[[], Awaitable[Any]]] = [
        lambda: app.dispatch_bytes(raw, FakeContext()),
        lambda: app.dispatch(parsed, FakeContext()),
    ]
    for run in runs:
        try:
            results.append(("ok", await run()))
        except Exception as exc:
            results.append(("error", type(exc).__name__, str(exc)))
    return results[0], results[1]


@pytest.mark.parametrize("first_size", [10, 3_000, 20_000, 70_000])
def test_the_head_probe_reads_a_first_record_of_any_length_up_to_the_head(
    first_size: int,
) -> None:
    """The head is read in two steps (a few kilobytes, then the whole head): a first
    record longer than the first step is still read whole; one longer than the head is
    left to the whole probe."""
    from lambent.sources._bytes import head_probe

    event = sqs_event("x" * first_size, "y", queue="q", seed=2)
    raw = json.dumps(event).encode()
    head = head_probe(raw)
    if first_size > 64 * 1024:
        assert head is None
    else:
        assert head == {"Records": event["Records"][:1]}


@pytest.mark.parametrize("size", [100, 5_000, 100_000])
def test_the_head_probe_refuses_a_first_key_without_an_array(size: int) -> None:
    """An event whose first key holds no array (an HTTP request) has no head, whatever its
    size (told from the first few kilobytes); a first key holding an array, spaced out,
    is read up to the head's length."""
    from lambent.sources._bytes import head_probe

    http = json.dumps({"version": "2.0", "body": "x" * size, "Records": [1]}).encode()
    assert head_probe(http) is None
    spaced = b'{ "Records" :\n [ {"a": "' + b"y" * size + b'"} ] }'
    assert head_probe(spaced) == ({"Records": [{"a": "y" * size}]} if size < 60_000 else None)
