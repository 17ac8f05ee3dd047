from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources import ses
from lambent.sources._base import iso
from tests import corpus
from tests.sources import _support


def _record(invocation_type: str = "Event") -> dict[str, Any]:
    return {
        "eventSource": "aws:ses",
        "eventVersion": "1.0",
        "ses": {
            "mail": {
                "timestamp": "2024-01-01T00:00:00.000Z",
                "source": "a@example.com",
                "messageId": "mail-1",
                "destination": ["in@example.com", "other@example.com"],
                "headersTruncated": False,
                "headers": [{"name": "Subject", "value": "Hi"}],
                "commonHeaders": {
                    "from": ["A <a@example.com>"],
                    "to": ["in@example.com"],
                    "subject": "Hi",
                },
            },
            "receipt": {
                "timestamp": "2024-01-01T00:00:01.000Z",
                "processingTimeMillis": 12,
                "recipients": ["in@example.com", "other@example.com"],
                "spamVerdict": {"status": "PASS"},
                "virusVerdict": {"status": "PASS"},
                "spfVerdict": {"status": "GRAY"},
                "dkimVerdict": {"status": "PASS"},
                "dmarcVerdict": {"status": "FAIL"},
                "dmarcPolicy": "reject",
                "action": {
                    "type": "Lambda",
                    "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "invocationType": invocation_type,
                },
            },
        },
    }


@pytest.mark.parametrize("row", _support.owned_rows("ses"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert ses.detect(raw)
    event = msgspec.convert(raw, ses.SESEvent)
    spec = ses.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    for wire, record in zip(raw["Records"], items, strict=True):
        mail, receipt = wire["ses"]["mail"], wire["ses"]["receipt"]
        assert spec.item_id(record) == mail["messageId"]
        assert spec.route_key(event, record) == tuple(receipt["recipients"])
        assert record.mail.time == iso(mail["timestamp"])
        assert record.receipt.time == iso(receipt["timestamp"])
        assert record.mail.common_headers.from_ == tuple(mail["commonHeaders"]["from"])
        assert record.receipt.action.type == receipt["action"]["type"]
        assert record.is_sync == (receipt["action"].get("invocationType") == "RequestResponse")
        assert msgspec.convert(wire, ses.SESRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("ses"))
def test_other_events_are_not_ses(row: corpus.Row | None) -> None:
    _support.assert_declines(ses.detect, row)


def test_sync_and_async_actions() -> None:
    sync = msgspec.convert({"Records": [_record("RequestResponse")]}, ses.SESEvent)
    assert sync.is_sync
    assert sync.records[0].is_sync
    asynchronous = msgspec.convert({"Records": [_record()]}, ses.SESEvent)
    assert not asynchronous.is_sync
    record = asynchronous.records[0]
    assert record.receipt.spf_verdict is not None
    assert record.receipt.spf_verdict.status == "GRAY"
    assert ses.SPEC.route_key(asynchronous, record) == ("in@example.com", "other@example.com")


def test_record_without_recipients_fails_with_a_path() -> None:
    bad = _record()
    del bad["ses"]["receipt"]["recipients"]
    with pytest.raises(
        msgspec.ValidationError, match=r"recipients.*\$\.Records\[0\]\.ses\.receipt"
    ):
        msgspec.convert({"Records": [bad]}, ses.SESEvent)


def test_spec_shape() -> None:
    assert ses.SPECS == (ses.SPEC,)
    assert (ses.SPEC.kind, ses.SPEC.response, ses.SPEC.payload) == ("ses", "all", None)
