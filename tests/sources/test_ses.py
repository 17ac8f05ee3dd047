from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError
from lambent.sources import ses
from lambent.sources._base import iso
from lambent.testing import FakeContext, ses_event
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


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("example.com", "sales@example.com"),  # the domain takes every mail to the address
        ("example.com", "Sales@Example.COM"),
        ("@example.com", "sales@example.com"),
        ("sales@example.com", "SALES@example.com"),  # one address in other case
        ("example.com", "EXAMPLE.com"),
        ("example.com", "@example.com"),
    ],
)
def test_a_route_an_earlier_one_makes_unreachable_is_refused_naming_both(
    first: str, then: str
) -> None:
    app = App()

    @app.ses(first)
    def earlier(mail: ses.SESRecord) -> None: ...

    with pytest.raises(ConfigurationError, match="both would take the same events") as info:

        @app.ses(then)
        def later(mail: ses.SESRecord) -> None: ...

    assert "earlier" in str(info.value) and "later" in str(info.value)


@pytest.mark.parametrize(
    ("first", "then", "mail_to_then"),
    [
        ("sales@example.com", "example.com", "info@example.com"),  # address first: both run
        ("example.com", "sales@example.org", "sales@example.org"),
        ("example.com", "sales@sub.example.com", "sales@sub.example.com"),  # not a subdomain
        ("example.com", "example.org", "x@example.org"),
    ],
)
def test_routes_that_each_take_mail_the_other_does_not_both_run(
    first: str, then: str, mail_to_then: str
) -> None:
    app = App()
    ran: list[tuple[str, tuple[str, ...]]] = []

    @app.ses(first)
    def earlier(mail: ses.SESRecord) -> None:
        ran.append(("earlier", mail.receipt.recipients))

    @app.ses(then)
    def later(mail: ses.SESRecord) -> None:
        ran.append(("later", mail.receipt.recipients))

    to_first = first if "@" in first.lstrip("@") else "a@" + first.lstrip("@")
    app.handler(ses_event(recipients=[to_first]), FakeContext())
    app.handler(ses_event(recipients=[mail_to_then]), FakeContext())
    assert ran == [("earlier", (to_first,)), ("later", (mail_to_then,))]


def test_a_domain_written_with_its_at_sign_takes_its_addresses() -> None:
    app = App()
    ran: list[str] = []

    @app.ses("@Example.com")
    def domain(mail: ses.SESRecord) -> None:
        ran.append(mail.receipt.recipients[0])

    app.handler(ses_event(recipients=["Sales@example.com"]), FakeContext())
    assert ran == ["Sales@example.com"]
