"""An SQS batch read straight from the runtime's dicts (lambent.sources._sqs_raw, the raw
view of ``sqs.SPEC``): it takes only what the lean Structs decode alike, and its readers
(ids, bodies, route keys, entry times, trace headers) answer as theirs."""

from __future__ import annotations

import io
import json
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import FAST
from lambent.metrics import Metrics
from lambent.sources import sqs
from lambent.testing import FakeContext, sqs_event

_DELETED = object()  # the field is not there
_ODD = st.one_of(
    st.just(_DELETED),
    st.none(),
    st.integers(),
    st.text(max_size=3),
    st.just({}),
    st.just([]),
    st.just({"MessageGroupId": 7}),
)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["messageId", "body", "eventSourceARN", "attributes"]), value=_ODD)
def test_the_raw_view_takes_only_records_the_lean_structs_decode(field: str, value: Any) -> None:
    """The raw view (records read from the runtime's dicts) claims a batch only when the
    lean Structs would decode it, and reads the same id, body and route key."""
    event = sqs_event({"n": 1}, {"n": 2}, queue="orders", seed=4)
    if value is _DELETED:
        del event["Records"][1][field]
    else:
        event["Records"][1][field] = value
    raw = sqs.SPEC.raw
    lean_event, _ = sqs.SPEC.lean or (None, None)
    assert raw is not None and lean_event is not None
    records = raw.records(event)
    if records is None:
        return
    decoded = msgspec.convert(event, lean_event)
    for record, message in zip(records, decoded.records, strict=True):
        assert raw.record_id(record) == message.message_id
        assert raw.payload(record) == message.body
        assert raw.route_key(record) == sqs.SPEC.route_key(decoded, message)


_MISSING = object()  # a record without its attributes
_SENT: st.SearchStrategy[object] = st.one_of(
    st.integers(1_000_000_000_000, 9_999_999_999_999).map(str),  # epoch ms, 13 digits
    st.sampled_from([None, "", "soon", "12.5", 1796148593866, 17.5, [], {}]),
)
_ATTRIBUTES = st.one_of(
    st.fixed_dictionaries({"SentTimestamp": _SENT}),
    st.fixed_dictionaries({}, optional={"ApproximateReceiveCount": st.just("1")}),
    st.none(),
    st.just("not an object"),
    st.fixed_dictionaries({"SentTimestamp": _SENT, "MessageGroupId": st.just(7)}),
)


@settings(max_examples=300, deadline=None)
@given(
    attributes=st.lists(st.one_of(_ATTRIBUTES, st.just(_MISSING)), min_size=1, max_size=6),
    fifo=st.booleans(),
)
def test_the_raw_views_aged_records_read_the_oldest_as_its_scan_does(
    attributes: list[Any], fifo: bool
) -> None:
    """``raw.aged`` (the records and the oldest entry time in one pass, for metrics) takes
    the records ``raw.records`` takes, and reads the entry time ``raw.oldest`` reads."""
    event = sqs_event(*[{"n": i} for i in range(len(attributes))], queue="q.fifo" if fifo else "q")
    for record, value in zip(event["Records"], attributes, strict=True):
        if value is _MISSING:
            del record["attributes"]
        else:
            record["attributes"] = value
    raw = sqs.SPEC.raw
    assert raw is not None and raw.aged is not None and raw.oldest is not None
    records = raw.records(event)
    aged = raw.aged(event)
    if records is None:
        assert aged is None
    else:
        assert aged is not None and aged[0] is records
        assert aged[1] == raw.oldest(records)


def test_the_aged_records_of_a_real_batch_give_its_oldest_message() -> None:
    event = sqs_event({"a": 1}, {"b": 2}, {"c": 3}, queue="q", seed=4)
    sent = [1796148593866, 1796148590000, 1796148599999]
    for record, ms in zip(event["Records"], sent, strict=True):
        record["attributes"]["SentTimestamp"] = str(ms)
    raw = sqs.SPEC.raw
    assert raw is not None and raw.aged is not None
    assert raw.aged(event) == (event["Records"], 1796148590000.0)


_ABSENT = object()  # the attribute is not there
_ODD_ATTRIBUTE = st.one_of(
    st.integers(1_000_000_000_000, 9_999_999_999_999).map(str),  # epoch ms, as SQS sends
    st.text(max_size=4),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([[], {}, ["1"], {"a": 1}, 10**400, "1e999", "12.5"]),
    st.just(_ABSENT),
)


@settings(max_examples=300, deadline=None)
@given(
    sent=st.lists(_ODD_ATTRIBUTE, min_size=1, max_size=5),
    headers=st.lists(_ODD_ATTRIBUTE, min_size=5, max_size=5),
)
def test_the_raw_views_readers_answer_as_the_lean_structs_for_any_attribute_type(
    sent: list[Any], headers: list[Any]
) -> None:
    """The raw view does not check the types of ``SentTimestamp`` and ``AWSTraceHeader``
    (only metrics and tracing read them): the lean Structs take the same records, and the
    readers of both give the same answer, never an exception: the oldest entry time or
    None, a trace header only when it is text."""
    event = sqs_event(*[{"n": i} for i in range(len(sent))], queue="q", seed=4)
    for record, stamp, header in zip(event["Records"], sent, headers, strict=False):
        attributes = record["attributes"]
        for name, value in (("SentTimestamp", stamp), ("AWSTraceHeader", header)):
            if value is _ABSENT:
                attributes.pop(name, None)
            else:
                attributes[name] = value
    raw, (lean_event, _) = sqs.SPEC.raw, sqs.SPEC.lean or (None, None)
    assert raw is not None and raw.aged is not None and raw.oldest is not None
    assert raw.trace_header is not None and sqs.SPEC.trace_header is not None
    assert sqs.SPEC.oldest is not None and lean_event is not None
    records = raw.records(event)
    assert records is not None
    messages = msgspec.convert(event, lean_event).records
    oldest = raw.oldest(records)
    assert oldest == sqs.SPEC.oldest(messages)
    assert raw.aged(event) == (records, oldest)
    for record, message, header in zip(records, messages, headers, strict=False):
        expected = header if type(header) is str else None
        assert raw.trace_header(record) == sqs.SPEC.trace_header(message) == expected


def _metered_run(event: dict[str, Any], raw_road: bool) -> tuple[Any, list[int], Any]:
    """The answer, the handler's calls and the dispatcher's metrics (without what differs
    between two runs: the time, the duration) of a warm app with metrics."""
    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out))
    calls: list[int] = []

    @app.sqs()
    def handle(body: dict[str, int]) -> None:
        calls.append(body["n"])

    app.handler(sqs_event({"n": -1}, seed=9), FakeContext())  # frozen (compiled answers)
    FAST.raw_records = raw_road
    try:
        answer = app.handler(event, FakeContext())
    finally:
        del FAST.raw_records  # back to the default
    doc = json.loads(out.getvalue().splitlines()[-1])
    doc["_aws"].pop("Timestamp")
    assert doc.pop("Duration") >= 0
    age = doc.pop("RecordAge", None)
    return answer, calls[1:], (doc, age is None)


@settings(max_examples=60, deadline=None)
@given(sent=st.lists(_ODD_ATTRIBUTE, min_size=1, max_size=4))
def test_an_odd_entry_time_fails_no_record_on_any_road(sent: list[Any]) -> None:
    """With metrics on, a batch whose ``SentTimestamp`` values are of any type is answered
    alike by the raw road and the lean Structs: every record runs, the same counts are
    written, and a record age when (and only when) one can be read."""
    event = sqs_event(*[{"n": i} for i in range(len(sent))], queue="q", seed=4)
    for record, stamp in zip(event["Records"], sent, strict=True):
        if stamp is _ABSENT:
            del record["attributes"]["SentTimestamp"]
        else:
            record["attributes"]["SentTimestamp"] = stamp
    raw, lean = _metered_run(event, True), _metered_run(event, False)
    assert raw == lean
    assert raw[:2] == ({"batchItemFailures": []}, list(range(len(sent))))
