"""Amazon SES email receiving with a Lambda receipt-rule action.

LAMBDA.md §5.10: ``{"Records": [{"eventSource": "aws:ses", "ses": {"mail": {...},
"receipt": {...}}}]}``. The message body is not included. A ``RequestResponse``
action (:attr:`SESRecord.is_sync`) waits up to 30 s for ``{"disposition":
"STOP_RULE" | "STOP_RULE_SET" | "CONTINUE"}``; the App decides the response, so the
spec itself stays ``response="all"``. Routes match on the receipt's recipients,
first registered first: an address registered after its domain is refused (:func:`overlaps`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import (
    SourceSpec,
    first_record_source,
    iso,
    raw_records,
    records_where,
)
from lambent.sources._match import Filter, shown


class SESHeader(msgspec.Struct, frozen=True, gc=False):
    name: str
    value: str


class SESCommonHeaders(msgspec.Struct, rename="camel", frozen=True, gc=False):
    return_path: str | None = None
    from_: tuple[str, ...] = msgspec.field(default=(), name="from")
    date: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    sender: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    message_id: str | None = None
    subject: str | None = None


class SESMail(msgspec.Struct, rename="camel", frozen=True, gc=False):
    message_id: str
    timestamp: str | None = None
    source: str | None = None
    destination: tuple[str, ...] = ()
    headers_truncated: bool = False
    headers: tuple[SESHeader, ...] = ()
    common_headers: SESCommonHeaders = SESCommonHeaders()

    @property
    def time(self) -> datetime | None:
        return None if self.timestamp is None else iso(self.timestamp)


class SESVerdict(msgspec.Struct, frozen=True, gc=False):
    """``status``: PASS, FAIL, GRAY, PROCESSING_FAILED (or DISABLED)."""

    status: str


class SESAction(msgspec.Struct, rename="camel", frozen=True, gc=False):
    type: str
    function_arn: str | None = None
    invocation_type: str | None = None
    topic_arn: str | None = None
    bucket_name: str | None = None
    object_key: str | None = None
    object_key_prefix: str | None = None


class SESReceipt(msgspec.Struct, rename="camel", frozen=True, gc=False):
    recipients: tuple[str, ...]
    action: SESAction
    timestamp: str | None = None
    processing_time_millis: int | float | None = None
    spam_verdict: SESVerdict | None = None
    virus_verdict: SESVerdict | None = None
    spf_verdict: SESVerdict | None = None
    dkim_verdict: SESVerdict | None = None
    dmarc_verdict: SESVerdict | None = None
    dmarc_policy: str | None = None

    @property
    def time(self) -> datetime | None:
        return None if self.timestamp is None else iso(self.timestamp)


class SESMessage(msgspec.Struct, frozen=True, gc=False):
    mail: SESMail
    receipt: SESReceipt


class SESRecord(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One received email: the item a handler receives."""

    ses: SESMessage
    event_source: str = "aws:ses"
    event_version: str | None = None

    @property
    def mail(self) -> SESMail:
        return self.ses.mail

    @property
    def receipt(self) -> SESReceipt:
        return self.ses.receipt

    @property
    def is_sync(self) -> bool:
        """True when SES waits for a disposition (``invocationType == "RequestResponse"``)."""
        return self.ses.receipt.action.invocation_type == "RequestResponse"


class SESEvent(msgspec.Struct, frozen=True, gc=False):
    records: tuple[SESRecord, ...] = msgspec.field(default=(), name="Records")

    @property
    def is_sync(self) -> bool:
        return bool(self.records) and self.records[0].is_sync


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].eventSource == "aws:ses"`` (LAMBDA.md §6 row 7)."""
    return first_record_source(event, "aws:ses")


def _items(event: SESEvent) -> Sequence[SESRecord]:
    return event.records


def _item_id(record: SESRecord) -> str:
    return record.ses.mail.message_id


def _route_key(event: SESEvent, record: SESRecord) -> Hashable:
    return record.ses.receipt.recipients


def _wanted(recipient: str) -> tuple[str, bool]:
    """A route's recipient as matched: lower case, and whether it is a domain
    (``"example.com"`` or ``"@example.com"``: every address at it) or an address."""
    wanted = recipient.lower()
    if wanted.startswith("@") or "@" not in wanted:
        return wanted.lstrip("@"), True
    return wanted, False


def route_filter(recipient: str | None = None) -> Filter:
    """``@app.ses(recipient)``: an address matches itself; a domain every address at it."""
    if recipient is None:
        return Filter()
    wanted, is_domain = _wanted(recipient)
    domain = "@" + wanted if is_domain else None

    def matches(key: Hashable) -> bool:
        addresses: Any = key
        for address in addresses:
            low = str(address).lower()
            if low == wanted or (domain is not None and low.endswith(domain)):
                return True
        return False

    return Filter(shown(recipient=recipient), matches)


def overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Routes are tried in registration order: a new route ``b`` conflicts when the
    earlier ``a`` takes every mail it would (the same address or domain in other case, or
    an address at ``a``'s domain: ``"example.com"`` before ``"sales@example.com"``). An
    address before its domain is fine: the domain takes the other addresses."""
    first, second = a.get("recipient"), b.get("recipient")
    if first is None or second is None:
        return first is second
    (one, one_domain), (other, other_domain) = _wanted(first), _wanted(second)
    if one == other and one_domain == other_domain:
        return True
    return one_domain and not other_domain and other.endswith("@" + one)


def _result(value: Any) -> Any:
    """A receipt rule's answer: a returned string is the disposition (``STOP_RULE``, ...)."""
    return {"disposition": value} if isinstance(value, str) else value


SPEC: SourceSpec[SESEvent, SESRecord] = SourceSpec(
    requires="Records",
    kind="ses",
    detect=detect,
    event_type=SESEvent,
    item_type=SESRecord,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    item_id=_item_id,
    route_key=_route_key,
    payload=None,
    response="all",
    route_filter=route_filter,
    overlaps=overlaps,
    result=_result,
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "SESAction",
    "SESCommonHeaders",
    "SESEvent",
    "SESHeader",
    "SESMail",
    "SESMessage",
    "SESReceipt",
    "SESRecord",
    "SESVerdict",
    "detect",
]
