"""Amazon SQS (standard and FIFO queues) delivered by an event source mapping.

LAMBDA.md §5.1: ``{"Records": [{messageId, receiptHandle, body, attributes, ...}]}``.
Every attribute value is a string (timestamps are epoch milliseconds as digit
strings); ``body`` is always a string, decoded by the dispatcher into the handler's
declared type (``payload_format="json"``).

Partial batch responses name failed records by ``messageId``. A FIFO queue (its ARN
ends with ``.fifo``) orders records by ``MessageGroupId``: that is the ``order_key``.
Bodies that wrap other envelopes (an SNS notification, an S3 notification) are left
as they are; ``lambent.sources.s3.extract_s3`` unwraps S3 inside them. A standard
queue's batch is read straight from the runtime's dicts by :mod:`lambent.sources._sqs_raw`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from lambent.sources._base import (
    Pollable,
    SourceSpec,
    epoch_ms,
    first_record_source,
    oldest_ms,
    raw_path,
    raw_records,
    records_where,
)
from lambent.sources._match import resource_filter, resource_overlap
from lambent.sources._sqs_raw import RAW


class SQSMessageAttribute(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """A message attribute; ``Number`` values arrive in ``string_value``, binaries as base64."""

    data_type: str
    string_value: str | None = None
    binary_value: str | None = None
    string_list_values: tuple[str, ...] = ()
    binary_list_values: tuple[str, ...] = ()


class SQSAttributes(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """System attributes of a message (all strings on the wire)."""

    approximate_receive_count: str | None = None
    sent_timestamp: str | None = None
    sender_id: str | None = None
    approximate_first_receive_timestamp: str | None = None
    #: FIFO queues only
    sequence_number: str | None = None
    message_group_id: str | None = None
    message_deduplication_id: str | None = None
    aws_trace_header: str | None = msgspec.field(default=None, name="AWSTraceHeader")
    dead_letter_queue_source_arn: str | None = None

    @property
    def sent_at(self) -> datetime | None:
        """``SentTimestamp`` (epoch ms) as a UTC datetime."""
        return None if self.sent_timestamp is None else epoch_ms(self.sent_timestamp)

    @property
    def first_received_at(self) -> datetime | None:
        """``ApproximateFirstReceiveTimestamp`` (epoch ms) as a UTC datetime."""
        value = self.approximate_first_receive_timestamp
        return None if value is None else epoch_ms(value)

    @property
    def receive_count(self) -> int:
        """``ApproximateReceiveCount`` as an int (0 when absent)."""
        return int(self.approximate_receive_count or 0)


class SQSMessage(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One SQS record: the item a handler receives."""

    message_id: str
    body: str
    receipt_handle: str = ""
    attributes: SQSAttributes = SQSAttributes()
    message_attributes: dict[str, SQSMessageAttribute] = {}
    md5_of_body: str | None = None
    md5_of_message_attributes: str | None = None
    event_source: str = "aws:sqs"
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    aws_region: str | None = None

    @property
    def queue_name(self) -> str:
        """The queue name: the last ``:`` field of the queue ARN."""
        return self.event_source_arn.rpartition(":")[2]

    @property
    def is_fifo(self) -> bool:
        """True for a record of a FIFO queue (its name ends with ``.fifo``)."""
        return self.event_source_arn.endswith(".fifo")

    @property
    def message_group_id(self) -> str | None:
        return self.attributes.message_group_id

    @property
    def sent_at(self) -> datetime | None:
        return self.attributes.sent_at

    @property
    def first_received_at(self) -> datetime | None:
        return self.attributes.first_received_at


class SQSEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The whole SQS invocation event."""

    records: tuple[SQSMessage, ...] = msgspec.field(default=(), name="Records")

    @property
    def is_fifo(self) -> bool:
        return bool(self.records) and self.records[0].is_fifo


class _LeanAttributes(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """Only metrics and tracing read the entry time and trace header, and their readers
    take any value (as the raw view does): a value of another type never fails a record."""

    message_group_id: str | None = None
    sent_timestamp: Any = None
    aws_trace_header: Any = msgspec.field(default=None, name="AWSTraceHeader")


class _LeanMessage(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """What dispatch reads of a message (id, queue, group, body), under the same names as
    :class:`SQSMessage`; decoded instead of it when no route asks for the message."""

    message_id: str
    body: str
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    attributes: _LeanAttributes = _LeanAttributes()


class _LeanEvent(msgspec.Struct, frozen=True, gc=False):
    records: tuple[_LeanMessage, ...] = msgspec.field(default=(), name="Records")


class _BareAttributes(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    message_group_id: str | None = None  # checked only: what the lean Structs refuse


class _BareMessage(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """A message's id, body and queue (a standard queue's batch from bytes); its attributes
    only checked, as the lean Structs check them (an object, a string group)."""

    message_id: str
    body: str
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    attributes: _BareAttributes = _BareAttributes()


class _BareEvent(msgspec.Struct, frozen=True, gc=False):
    records: tuple[_BareMessage, ...] = msgspec.field(default=(), name="Records")


@functools.lru_cache(maxsize=16)
def _queue_event(arn: str, claims: bool = False) -> type[Any]:
    """:class:`_BareEvent` of a batch whose every message comes from the queue ``arn``
    (its ARN a literal: a message of another queue, or without one, does not decode).
    ``claims``: each message an SQS message too (``eventSource`` the literal
    :func:`detect` reads: a batch that decodes is one detection gives to SQS)."""
    fields: list[Any] = [
        ("message_id", str),
        ("body", str),
        ("event_source_arn", Literal[arn], msgspec.field(name="eventSourceARN")),
    ]
    if claims:
        fields.append(("event_source", Literal["aws:sqs"]))
    fields.append(("attributes", _BareAttributes, msgspec.field(default=_BareAttributes())))
    message = msgspec.defstruct("_QueueMessage", fields, rename="camel", frozen=True, gc=False)
    records: Any = tuple[message, ...]  # type: ignore[valid-type]
    return msgspec.defstruct(
        "_QueueEvent", [("records", records, msgspec.field(default=(), name="Records"))],
        frozen=True, gc=False,
    )  # fmt: skip


def _bare_claim(arn: Hashable) -> type[Any] | None:
    """A standard queue's batch of the queue ``arn`` whose decode proves detection."""
    return _queue_event(arn, claims=True) if _bare_queue(arn) else None


def _bare_keyed(first: Any) -> tuple[type[Any], Hashable] | None:
    """A standard queue's batch: every message of the first one's queue (its ARN, the
    route key). A FIFO queue's batch has message groups to keep: not bare."""
    arn = first.get("eventSourceARN") if type(first) is dict else None
    return (_queue_event(arn), arn) if _bare_queue(arn) else None


def _bare_queue(arn: Any) -> bool:
    """A standard queue's ARN a literal can hold (ASCII, as ARNs are: msgspec refuses a
    literal with a lone surrogate)."""
    return type(arn) is str and arn.isascii() and not arn.endswith(".fifo")


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].eventSource == "aws:sqs"`` (LAMBDA.md §6 row 2)."""
    return first_record_source(event, "aws:sqs")


def _items(event: SQSEvent) -> Sequence[SQSMessage]:
    return event.records


def _item_id(message: SQSMessage) -> str:
    return message.message_id


def _route_key(event: SQSEvent, message: SQSMessage) -> Hashable:
    return message.event_source_arn


_payload: Callable[[SQSMessage], str] = operator.attrgetter("body")


def _ordered(event: SQSEvent) -> bool:
    """A batch comes from one queue: only FIFO batches have message groups to keep."""
    records = event.records
    return bool(records) and records[0].event_source_arn.endswith(".fifo")


def _order_key(message: SQSMessage) -> Hashable | None:
    """FIFO records are ordered within their message group; standard records are independent."""
    if message.event_source_arn.endswith(".fifo"):
        return message.attributes.message_group_id
    return None


def _trace_header(message: SQSMessage) -> str | None:
    header = message.attributes.aws_trace_header
    return header if type(header) is str else None  # a lean message's may be anything


SPEC: SourceSpec[SQSEvent, SQSMessage] = SourceSpec(
    requires="Records",
    kind="sqs",
    detect=detect,
    event_type=SQSEvent,
    item_type=SQSMessage,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    item_id=_item_id,
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    order_key=_order_key,
    ordered=_ordered,
    response="batch",
    lean=(_LeanEvent, _LeanMessage),
    bare=(_BareEvent, _BareMessage),
    bare_keyed=_bare_keyed,
    bare_claim=_bare_claim,
    raw_id=raw_path("messageId"),
    redelivery="reported",
    route_filter=lambda queue=None: resource_filter("queue", queue),
    overlaps=resource_overlap("queue"),
    raw=RAW,
    oldest=oldest_ms(operator.attrgetter("attributes.sent_timestamp")),
    trace_header=_trace_header,
    poll=Pollable(
        service="sqs",
        resource=r"^(?P<name>[^:/]+)$",
        decorator="app.sqs",
        url=r"^https?://(?P<host>[^/]+)/(?P<account>\d{12})/(?P<name>[\w.-]+)/?$",
        max_batch=lambda name: 10 if name.endswith(".fifo") else 10_000,
        batch_without_window=10,
        positions=(),
    ),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "SQSAttributes",
    "SQSEvent",
    "SQSMessage",
    "SQSMessageAttribute",
    "detect",
]
