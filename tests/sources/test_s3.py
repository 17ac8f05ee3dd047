from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, BatchFailedError, ConfigurationError, DecodeError
from lambent.sources import s3
from lambent.sources._base import iso
from lambent.testing import FakeContext, s3_event, sqs_event
from tests import corpus
from tests.sources import _support


def _record(key: str = "red+flower%2B1.jpg", name: str = "ObjectCreated:Put") -> dict[str, Any]:
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-01-01T00:00:00.123Z",
        "eventName": name,
        "userIdentity": {"principalId": "AWS:X"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": "REQ1", "x-amz-id-2": "ID2"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "cfg",
            "bucket": {
                "name": "photos",
                "ownerIdentity": {"principalId": "O"},
                "arn": "arn:aws:s3:::photos",
            },
            "object": {"key": key, "size": 3, "eTag": "e", "sequencer": "0A1"},
        },
    }


TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2024-01-01T00:00:00.000Z",
    "Bucket": "photos",
    "RequestId": "R",
    "HostId": "H",
}


@pytest.mark.parametrize("row", _support.owned_rows("s3"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert s3.detect(raw)
    event = msgspec.convert(raw, s3.S3Event)
    spec = s3.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    seen: set[str] = set()
    for wire, record in zip(raw["Records"], items, strict=True):
        wire_object = wire["s3"]["object"]
        assert record.s3.object.raw_key == wire_object["key"]
        assert record.key == wire_object.get("urlDecodedKey", record.key)
        assert record.event_name == wire["eventName"]
        assert not record.event_type.startswith("s3:")
        assert spec.route_key(event, record) == (
            wire["s3"]["bucket"]["name"],
            record.key,
            record.event_type,
        )
        assert record.event_at == iso(wire["eventTime"])
        assert record.s3.object.size == wire_object.get("size")
        assert spec.payload is None
        identifier = spec.item_id(record)
        assert identifier
        assert identifier not in seen
        assert wire["responseElements"]["x-amz-request-id"] in identifier
        seen.add(identifier)
        assert msgspec.convert(wire, s3.S3Record) == record


@pytest.mark.parametrize("row", _support.decline_rows("s3"))
def test_other_events_are_not_s3(row: corpus.Row | None) -> None:
    _support.assert_declines(s3.detect, row)


def test_key_is_form_url_decoded() -> None:
    record = msgspec.convert(_record(), s3.S3Record)
    assert record.s3.object.raw_key == "red+flower%2B1.jpg"
    assert record.key == "red flower+1.jpg"
    assert record.s3.object.key == "red flower+1.jpg"
    event = msgspec.convert({"Records": [_record()]}, s3.S3Event)
    assert s3.SPEC.route_key(event, record) == ("photos", "red flower+1.jpg", "ObjectCreated:Put")


def test_event_name_prefix_is_dropped_for_routing() -> None:
    record = msgspec.convert(_record(name="s3:ObjectRestore:Completed"), s3.S3Record)
    assert record.event_name == "s3:ObjectRestore:Completed"
    assert record.event_type == "ObjectRestore:Completed"


def test_delete_has_no_size_and_item_id_falls_back() -> None:
    wire = _record(name="ObjectRemoved:Delete")
    del wire["s3"]["object"]["size"], wire["s3"]["object"]["eTag"]
    del wire["responseElements"]
    record = msgspec.convert(wire, s3.S3Record)
    assert record.s3.object.size is None
    assert record.s3.object.e_tag is None
    assert s3.SPEC.item_id(record) == "0A1"
    del wire["s3"]["object"]["sequencer"]
    assert s3.SPEC.item_id(msgspec.convert(wire, s3.S3Record)).startswith("photos/")


def test_test_event_is_detected_and_has_no_items() -> None:
    assert s3.detect(TEST_EVENT)
    event = msgspec.convert(TEST_EVENT, s3.S3Event)
    assert event.is_test_event
    assert s3.SPEC.items(event) == ()


def test_record_missing_s3_fails_with_a_path() -> None:
    bad = _record()
    del bad["s3"]
    with pytest.raises(msgspec.ValidationError, match=r"s3.*\$\.Records\[0\]"):
        msgspec.convert({"Records": [bad]}, s3.S3Event)


# -- extract_s3 -----------------------------------------------------------------------------


def test_extract_from_sqs_body_text() -> None:
    records = s3.extract_s3(json.dumps({"Records": [_record()]}))
    assert records is not None
    assert [r.key for r in records] == ["red flower+1.jpg"]


def test_extract_from_sns_notification_inside_sqs_body() -> None:
    notification = {
        "Type": "Notification",
        "MessageId": "m",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Message": json.dumps({"Records": [_record(key="a/b+c.txt")]}),
        "UnsubscribeURL": "https://example.invalid",
    }
    records = s3.extract_s3(json.dumps(notification))
    assert records is not None
    assert [r.key for r in records] == ["a/b c.txt"]


def test_extract_test_event_and_non_s3() -> None:
    assert s3.extract_s3(json.dumps(TEST_EVENT)) == []
    assert s3.extract_s3("Test message.") is None
    assert s3.extract_s3('{"message": "foo1"}') is None
    assert s3.extract_s3("[1, 2]") is None
    assert s3.extract_s3({"Records": [{"eventSource": "aws:sqs"}]}) is None
    assert s3.extract_s3(None) is None
    notification = {"Type": "Notification", "Message": "hello"}
    assert s3.extract_s3(json.dumps(notification)) is None


@pytest.mark.parametrize("row", corpus.params("sqs"))
def test_extract_from_corpus_sqs_bodies(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    for wire in raw["Records"]:
        found = s3.extract_s3(wire["body"])
        if '"aws:s3"' in wire["body"]:
            document = json.loads(wire["body"])
            assert found is not None
            assert [r.s3.object.raw_key for r in found] == [
                r["s3"]["object"]["key"] for r in document["Records"]
            ]
        else:
            assert found is None


def _expected_event_name(detail_type: str, detail: dict[str, Any]) -> str:
    if detail_type == "Object Created":
        return {"PutObject": "ObjectCreated:Put", "CopyObject": "ObjectCreated:Copy"}[
            detail["reason"]
        ]
    if detail_type == "Object Deleted":
        family = (
            "LifecycleExpiration" if detail["reason"] == "Lifecycle Expiration" else "ObjectRemoved"
        )
        marker = detail.get("deletion-type") == "Delete Marker Created"
        return f"{family}:{'DeleteMarkerCreated' if marker else 'Delete'}"
    return {"Object Restore Completed": "ObjectRestore:Completed"}[detail_type]


@pytest.mark.parametrize("row", corpus.params("s3-eventbridge"))
def test_extract_from_eventbridge(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert not s3.detect(raw)  # the outer envelope is EventBridge
    records = s3.extract_s3(raw)
    assert records is not None
    assert len(records) == 1
    record = records[0]
    detail = raw["detail"]
    assert record.key == detail["object"]["key"]
    assert record.bucket_name == detail["bucket"]["name"]
    assert record.event_type == _expected_event_name(raw["detail-type"], detail)
    assert record.event_at == iso(raw["time"])
    assert record.aws_region == raw["region"]
    assert record.s3.object.size == detail["object"].get("size")
    assert record.s3.object.e_tag == detail["object"].get("etag")
    assert record.s3.object.sequencer == detail["object"]["sequencer"]
    assert s3.SPEC.item_id(record).startswith(detail["request-id"])
    # as JSON text too (EventBridge -> SQS)
    again = s3.extract_s3(json.dumps(raw))
    assert again == records


def test_eventbridge_key_with_specials_round_trips() -> None:
    event: dict[str, Any] = {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::photos"],
        "detail": {
            "bucket": {"name": "photos"},
            "object": {"key": "dir/red flower+1.jpg", "size": 1},
            "reason": "CompleteMultipartUpload",
        },
    }
    (record,) = s3.extract_s3(event) or []
    assert record.key == "dir/red flower+1.jpg"
    assert record.s3.object.raw_key == "dir/red+flower%2B1.jpg"
    assert record.event_type == "ObjectCreated:CompleteMultipartUpload"
    (encoded,) = (
        s3.extract_s3(
            {**event, "detail": {**event["detail"], "object": {"key": "red+flower%2B1.jpg"}}},
            eventbridge_keys_encoded=True,
        )
        or []
    )
    assert encoded.key == "red flower+1.jpg"


#: the S3 events from EventBridge in the corpus (empty without it)
EVENTBRIDGE_SEEDS = [row.load() for row in corpus.rows("s3-eventbridge")]
ODD_PARTS: list[Any] = [None, "x", "", 0, 1.5, True, [], [1], {}, {"": None}]


def _detail_paths(value: Any, path: tuple[str, ...] = ("detail",)) -> list[tuple[str, ...]]:
    """``("detail",)`` and the key paths below it."""
    out = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _detail_paths(child, (*path, key))
    return out


@st.composite
def _mutated_eventbridge(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, ...], Any]:
    seed = draw(st.sampled_from(EVENTBRIDGE_SEEDS))
    where = draw(st.sampled_from(_detail_paths(seed["detail"])))
    value = draw(st.sampled_from(ODD_PARTS))
    return _support.mutated(seed, where, value), where, value


@pytest.mark.skipif(not EVENTBRIDGE_SEEDS, reason="needs the corpus (see the no-corpus case)")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_mutated_eventbridge())
def test_a_bad_part_of_an_eventbridge_s3_event_fails_naming_the_field(
    case: tuple[dict[str, Any], tuple[str, ...], Any],
) -> None:
    event, where, value = case
    app = App()
    seen: list[s3.S3Record] = []

    @app.s3()
    def handle(record: s3.S3Record) -> None:
        seen.append(record)

    failed: DecodeError | None = None
    try:
        app.handler(event, FakeContext())
    except DecodeError as exc:  # the only documented error this event may raise
        failed = exc
    if failed is None:
        assert len(seen) == 1
    else:
        assert failed.path == "$." + ".".join(where), (failed.path, where, value)
        assert seen == []


def test_eventbridge_s3_mutation_needs_the_corpus() -> None:
    """The mutation test above is skipped without seeds: the corpus must give it some."""
    corpus.require()
    assert EVENTBRIDGE_SEEDS, "the corpus has no s3-eventbridge event to mutate"


def test_a_bad_eventbridge_s3_body_fails_alone_in_an_sqs_batch() -> None:
    app = App()
    seen: list[str] = []

    @app.s3()
    def handle(record: s3.S3Record) -> None:
        seen.append(record.key)

    good = {"version": "0", "id": "1", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"bucket": {"name": "b"}, "object": {"key": "k"}}}  # fmt: skip
    bad = {**good, "detail": {"bucket": "b", "object": {"key": "k"}}}
    event = sqs_event(json.dumps(good), json.dumps(bad))
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert seen == ["k"]
    [failure] = out["batchItemFailures"]
    assert failure["itemIdentifier"] == event["Records"][1]["messageId"]
    [entry] = [e for e in logs if e["event"] == "record failed"]
    assert entry["path"] == "$.detail.bucket"


@pytest.mark.parametrize(
    ("detail_type", "detail", "expected"),
    [
        ("Object Created", {"reason": "POST Object"}, "ObjectCreated:Post"),
        (
            "Object Deleted",
            {"reason": "DeleteObject", "deletion-type": "Permanently Deleted"},
            "ObjectRemoved:Delete",
        ),
        (
            "Object Deleted",
            {"reason": "Lifecycle Expiration", "deletion-type": "Permanently Deleted"},
            "LifecycleExpiration:Delete",
        ),
        ("Object Restore Initiated", {}, "ObjectRestore:Post"),
        ("Object Restore Expired", {}, "ObjectRestore:Delete"),
        ("Object Storage Class Changed", {}, "LifecycleTransition"),
        ("Object Access Tier Changed", {}, "IntelligentTiering"),
        ("Object ACL Updated", {}, "ObjectAcl:Put"),
        ("Object Tags Added", {}, "ObjectTagging:Put"),
        ("Object Tags Deleted", {}, "ObjectTagging:Delete"),
    ],
)
def test_eventbridge_event_names(detail_type: str, detail: dict[str, Any], expected: str) -> None:
    assert s3.eventbridge_event_name(detail_type, detail) == expected


def test_spec_shape() -> None:
    assert s3.SPECS == (s3.SPEC,)
    assert (s3.SPEC.kind, s3.SPEC.response, s3.SPEC.payload) == ("s3", "all", None)


def test_a_failure_names_the_bucket_the_key_and_the_reason() -> None:
    app = App()

    @app.s3("uploads")
    def handle(record: s3.S3Record) -> None:
        raise ValueError(f"cannot read {record.key}")

    with pytest.raises(BatchFailedError) as info:
        _support.run_logged(app, s3_event("a b.txt", "c.txt", bucket="uploads"))
    message = str(info.value)
    assert "s3://uploads/a b.txt" in message and "ValueError: cannot read a b.txt" in message
    assert "s3://uploads/c.txt" in message and "ValueError: cannot read c.txt" in message
    event = s3_event("a.txt", "c.txt", bucket="uploads")
    with capture_logs() as logs, pytest.raises(BatchFailedError):
        app.handler(event, FakeContext())
    items = [e.get("item") for e in logs if e["event"] == "record failed"]
    assert items == ["s3://uploads/a.txt", "s3://uploads/c.txt"]


def test_a_failure_inside_an_envelope_names_the_object() -> None:
    app = App()

    @app.s3("uploads")
    def handle(record: s3.S3Record) -> None:
        raise ValueError("unreadable")

    event = sqs_event(s3_event("in/x.csv", bucket="uploads"))
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert len(out["batchItemFailures"]) == 1
    [entry] = [e for e in logs if e["event"] == "record failed"]
    assert "while handling s3://uploads/in/x.csv" in entry["exc_info"].__notes__


@pytest.mark.parametrize(
    ("bucket", "says"),
    [
        ("s3://photos", "for an s3:// URL, give bucket='photos'"),
        ("s3://photos/uploads/", "give bucket='photos', prefix='uploads/'"),
        ("photos/uploads", "a bucket name has no '/', ':' or spaces"),
    ],
)
def test_a_bucket_that_is_neither_a_name_nor_an_arn_is_refused_saying_what_to_give(
    bucket: str, says: str
) -> None:
    # it registered, and no event ever matched it
    with pytest.raises(
        ConfigurationError, match=rf"bucket '{bucket}' is neither .*{re.escape(says)}"
    ):
        App().s3(bucket)


@pytest.mark.parametrize(
    ("bucket", "name"),
    [("photos", "photos"), ("arn:aws:s3:::photos", "photos"), ("my.photos-1", "my.photos-1")],
)
def test_a_bucket_name_or_its_arn_routes(bucket: str, name: str) -> None:
    app = App()
    seen: list[str] = []

    @app.s3(bucket)
    def on_object(record: s3.S3Record) -> None:
        seen.append(record.key)

    app.handler(s3_event("a.jpg", bucket=name), FakeContext())
    assert seen == ["a.jpg"]
