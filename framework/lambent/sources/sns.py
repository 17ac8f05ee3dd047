"""Amazon SNS delivered directly to Lambda (asynchronous invocation).

LAMBDA.md §5.2: ``{"Records": [{"EventSource": "aws:sns", "Sns": {...}}]}`` with
capitalised keys. ``Message`` is always a string, decoded by the dispatcher into the
handler's declared type. In practice one record arrives per invocation; the spec
handles a list anyway.

The SQS-body form of a notification (SNS -> SQS with raw delivery off) uses
``SigningCertURL``/``UnsubscribeURL``; :class:`SNSNotification` and
:func:`parse_notification` decode that form.
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
    raw_path,
    raw_records,
    records_where,
)
from lambent.sources._match import resource_filter, resource_overlap


class SNSMessageAttribute(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """``Type`` is String, String.Array (JSON text), Number or Binary (base64)."""

    type: str
    value: str


class _Notification(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """The fields an SNS notification has in both of its forms (a record's ``Sns``
    object, the JSON text in an SQS body), in their order."""

    message_id: str
    topic_arn: str
    message: str
    type: str = "Notification"
    subject: str | None = None
    timestamp: str | None = None
    signature_version: str | None = None
    signature: str | None = None

    @property
    def sent_at(self) -> datetime | None:
        """``Timestamp`` (ISO-8601) as an aware datetime."""
        return None if self.timestamp is None else iso(self.timestamp)


class SNSMessage(_Notification, rename="pascal", frozen=True, gc=False):
    """The ``Sns`` object of a record."""

    signing_cert_url: str | None = None
    unsubscribe_url: str | None = None
    message_attributes: dict[str, SNSMessageAttribute] = {}
    #: FIFO topics only
    sequence_number: str | None = None
    message_group_id: str | None = None


class SNSRecord(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """One SNS record: the item a handler receives."""

    sns: SNSMessage
    event_source: str = "aws:sns"
    event_version: str | None = None
    event_subscription_arn: str | None = None

    @property
    def topic_arn(self) -> str:
        return self.sns.topic_arn

    @property
    def message_id(self) -> str:
        return self.sns.message_id

    @property
    def message(self) -> str:
        return self.sns.message


class SNSEvent(msgspec.Struct, frozen=True, gc=False):
    """The whole SNS invocation event."""

    records: tuple[SNSRecord, ...] = msgspec.field(default=(), name="Records")


class SNSNotification(_Notification, rename="pascal", frozen=True, gc=False):
    """An SNS notification as JSON text inside an SQS body (raw delivery off)."""

    signing_cert_url: str | None = msgspec.field(default=None, name="SigningCertURL")
    unsubscribe_url: str | None = msgspec.field(default=None, name="UnsubscribeURL")
    message_attributes: dict[str, SNSMessageAttribute] = {}
    sequence_number: str | None = None


_notification_decoder = msgspec.json.Decoder(SNSNotification)


def parse_notification(text: str | bytes) -> SNSNotification | None:
    """The SNS notification in ``text`` (e.g. an SQS body), or None if it is not one."""
    try:
        notification = _notification_decoder.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeEncodeError):
        return None
    return notification if notification.type == "Notification" else None


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].EventSource == "aws:sns"`` (capital E; LAMBDA.md §6 row 3)."""
    return first_record_source(event, "aws:sns", key="EventSource")


def _items(event: SNSEvent) -> Sequence[SNSRecord]:
    return event.records


def _item_id(record: SNSRecord) -> str:
    return record.sns.message_id


def _route_key(event: SNSEvent, record: SNSRecord) -> Hashable:
    return record.sns.topic_arn


def _payload(record: SNSRecord) -> str:
    return record.sns.message


SPEC: SourceSpec[SNSEvent, SNSRecord] = SourceSpec(
    requires="Records",
    kind="sns",
    detect=detect,
    event_type=SNSEvent,
    item_type=SNSRecord,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    item_id=_item_id,
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    response="all",
    raw_id=raw_path("Sns", "MessageId"),
    route_filter=lambda topic=None: resource_filter("topic", topic),
    overlaps=resource_overlap("topic"),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "SNSEvent",
    "SNSMessage",
    "SNSMessageAttribute",
    "SNSNotification",
    "SNSRecord",
    "detect",
    "parse_notification",
]
