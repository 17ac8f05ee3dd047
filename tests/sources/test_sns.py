from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from lambent.sources import sns
from lambent.sources._base import iso
from tests import corpus
from tests.sources import _support


def _record(**sns_overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": "mid-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
        "Subject": None,
        "Message": '{"id": 1}',
        "Timestamp": "2019-01-02T12:45:07.000Z",
        "SignatureVersion": "1",
        "Signature": "sig",
        "SigningCertUrl": "https://example.invalid/cert.pem",
        "UnsubscribeUrl": "https://example.invalid/unsub",
        "MessageAttributes": {},
    }
    message.update(sns_overrides)
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:orders:sub",
        "EventSource": "aws:sns",
        "Sns": message,
    }


@pytest.mark.parametrize("row", _support.owned_rows("sns"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert sns.detect(raw)
    event = msgspec.convert(raw, sns.SNSEvent)
    spec = sns.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    for wire, record in zip(raw["Records"], items, strict=True):
        body = wire["Sns"]
        assert spec.item_id(record) == body["MessageId"]
        assert spec.route_key(event, record) == body["TopicArn"]
        assert spec.payload is not None
        assert spec.payload(record) == body["Message"]
        assert record.sns.sent_at == iso(body["Timestamp"])
        assert record.sns.unsubscribe_url == body.get("UnsubscribeUrl")
        assert record.event_subscription_arn == wire["EventSubscriptionArn"]
        for name, attribute in body.get("MessageAttributes", {}).items():
            assert record.sns.message_attributes[name].value == attribute["Value"]
        assert msgspec.convert(wire, sns.SNSRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("sns"))
def test_other_events_are_not_sns(row: corpus.Row | None) -> None:
    _support.assert_declines(sns.detect, row)


def test_lowercase_event_source_is_not_sns() -> None:
    record = _record()
    record["eventSource"] = record.pop("EventSource")
    assert not sns.detect({"Records": [record]})
    assert sns.detect({"Records": [_record()]})


def test_null_subject_and_message_id_required() -> None:
    record = msgspec.convert(_record(), sns.SNSRecord)
    assert record.sns.subject is None
    assert record.message == '{"id": 1}'
    bad = _record()
    del bad["Sns"]["MessageId"]
    with pytest.raises(msgspec.ValidationError, match=r"MessageId.*\$\.Records\[0\]\.Sns"):
        msgspec.convert({"Records": [bad]}, sns.SNSEvent)


@pytest.mark.parametrize("row", corpus.params("sqs"))
def test_parse_notification_from_sqs_bodies(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    for record in raw["Records"]:
        body = record["body"]
        notification = sns.parse_notification(body)
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict) and document.get("Type") == "Notification":
            assert notification is not None
            assert notification.message_id == document["MessageId"]
            assert notification.topic_arn == document["TopicArn"]
            assert notification.message == document["Message"]
            assert notification.unsubscribe_url == document["UnsubscribeURL"]
        else:
            assert notification is None


def test_parse_notification_rejects_other_text() -> None:
    assert sns.parse_notification("not json") is None
    assert sns.parse_notification("[]") is None
    assert sns.parse_notification('{"Type": "SubscriptionConfirmation"}') is None


def test_spec_shape() -> None:
    assert sns.SPECS == (sns.SPEC,)
    assert (sns.SPEC.kind, sns.SPEC.response) == ("sns", "all")


class Alert(msgspec.Struct):
    level: str


def test_on_decode_error_drop_acknowledges_a_message_that_never_decodes() -> None:
    """SNS retries a failed invocation and then drops it or sends it to a DLQ; a message
    that cannot decode may be acknowledged at once instead, as on the other sources."""
    from lambent import App, DecodeError
    from lambent.testing import FakeContext, sns_event

    app = App()
    seen: list[Alert] = []

    @app.sns("alerts", on_decode_error="drop")
    def on_alert(alert: Alert) -> None:
        seen.append(alert)

    assert app.handler(sns_event("not json", topic="alerts"), FakeContext()) is None
    app.handler(sns_event({"level": "high"}, topic="alerts"), FakeContext())
    assert seen == [Alert("high")]

    strict = App()
    strict.sns("alerts")(on_alert)
    with pytest.raises(DecodeError):
        strict.handler(sns_event("not json", topic="alerts"), FakeContext())
