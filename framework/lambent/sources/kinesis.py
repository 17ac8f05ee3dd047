"""Amazon Kinesis Data Streams delivered by an event source mapping.

LAMBDA.md §5.5: ``{"Records": [{"kinesis": {partitionKey, sequenceNumber, data, ...},
"eventSource": "aws:kinesis", "eventSourceARN", ...}]}``. ``data`` is base64 and stays
a string in the Struct; :attr:`KinesisData.data_bytes` decodes it when asked (the
dispatcher decodes the handler's declared type from those bytes as JSON). KPL
aggregation is not undone; a CloudWatch Logs -> Kinesis record's data is
base64(gzip(JSON)).

Failed records are reported by ``kinesis.sequenceNumber``; records of one partition
key run in order. ``approximateArrivalTimestamp`` is epoch seconds with a fraction.
Tumbling-window invocations add ``window``/``state``/``shardId``/... at the top level.
"""

from __future__ import annotations

import base64
import operator
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import (
    Pollable,
    SourceSpec,
    b64_field,
    epoch_s,
    first_record_source,
    oldest_ms,
    raw_path,
    raw_records,
    records_where,
)
from lambent.sources._match import resource_filter, resource_overlap
from lambent.sources._windows import WindowedStreamEvent


class KinesisData(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The ``kinesis`` object of a record."""

    partition_key: str
    sequence_number: str
    data: str
    approximate_arrival_timestamp: float | None = None
    kinesis_schema_version: str | None = None
    encryption_type: str | None = None

    @property
    def data_bytes(self) -> bytes:
        """``data``, base64-decoded."""
        return base64.b64decode(self.data)

    @property
    def arrived_at(self) -> datetime | None:
        """``approximateArrivalTimestamp`` (epoch seconds) as a UTC datetime."""
        value = self.approximate_arrival_timestamp
        return None if value is None else epoch_s(value)


class KinesisRecord(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One Kinesis record: the item a handler receives."""

    kinesis: KinesisData
    event_source: str = "aws:kinesis"
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    event_id: str | None = msgspec.field(default=None, name="eventID")
    event_name: str | None = None
    event_version: str | None = None
    invoke_identity_arn: str | None = None
    aws_region: str | None = None

    @property
    def sequence_number(self) -> str:
        return self.kinesis.sequence_number

    @property
    def partition_key(self) -> str:
        return self.kinesis.partition_key

    @property
    def data(self) -> bytes:
        """The record's data, base64-decoded."""
        return self.kinesis.data_bytes

    @property
    def stream_name(self) -> str:
        """The stream name from ``arn:...:stream/<name>`` ("" if not an ARN)."""
        _, sep, name = self.event_source_arn.partition(":stream/")
        return name if sep else ""

    @property
    def shard_id(self) -> str | None:
        """The shard from ``eventID`` (``shardId-...:<sequence number>``)."""
        if self.event_id is None or ":" not in self.event_id:
            return None
        return self.event_id.partition(":")[0]

    @property
    def arrived_at(self) -> datetime | None:
        return self.kinesis.arrived_at


class KinesisStreamEvent(WindowedStreamEvent, rename="camel", frozen=True, gc=False):
    """The whole invocation event, with the optional tumbling-window fields."""

    records: tuple[KinesisRecord, ...] = msgspec.field(default=(), name="Records")


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].eventSource == "aws:kinesis"`` (LAMBDA.md §6 row 6)."""
    return first_record_source(event, "aws:kinesis")


def _items(event: KinesisStreamEvent) -> Sequence[KinesisRecord]:
    return event.records


def _item_id(record: KinesisRecord) -> str:
    return record.kinesis.sequence_number


def _route_key(event: KinesisStreamEvent, record: KinesisRecord) -> Hashable:
    return record.event_source_arn


def _payload(record: KinesisRecord) -> bytes:
    return b64_field(record.kinesis.data, "$.kinesis.data")


def _order_key(record: KinesisRecord) -> Hashable | None:
    return record.kinesis.partition_key


SPEC: SourceSpec[KinesisStreamEvent, KinesisRecord] = SourceSpec(
    requires="Records",
    kind="kinesis-stream",
    detect=detect,
    event_type=KinesisStreamEvent,
    item_type=KinesisRecord,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    item_id=_item_id,
    oldest=oldest_ms(operator.attrgetter("kinesis.approximate_arrival_timestamp"), scale=1000.0),
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    order_key=_order_key,
    response="batch",
    raw_id=raw_path("kinesis", "sequenceNumber"),
    redelivery="from_lowest",
    route_filter=lambda stream=None: resource_filter("stream", stream),
    overlaps=resource_overlap("stream"),
    windowed=True,
    poll=Pollable(
        service="kinesis",
        resource=r"^stream/(?P<name>[^/]+)$",
        decorator="app.kinesis",
        reader="KinesisReader",
    ),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "KinesisData",
    "KinesisRecord",
    "KinesisStreamEvent",
    "detect",
]
