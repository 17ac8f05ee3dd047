"""Amazon Data Firehose (Kinesis Data Firehose) record transformation.

LAMBDA.md §5.6: ``{"invocationId", "deliveryStreamArn", "region", "records":
[{"recordId", "approximateArrivalTimestamp": <epoch ms>, "data": <base64>}]}``, plus
``kinesisRecordMetadata`` for a Kinesis-stream source. An MSK source sends
``kafkaRecordValue`` instead of ``data`` (with ``mskRecordMetadata``);
:attr:`FirehoseRecord.data_bytes` decodes whichever is present. Metadata values are
typed leniently: the AWS guide and lambda-go disagree on their types.

Every record must come back exactly once with ``result`` Ok / Dropped /
ProcessingFailed (``response="firehose"``; the dispatcher renders it).
Kinesis Data Analytics sends a look-alike event with ``applicationArn`` instead of
``deliveryStreamArn``; :func:`detect` rejects it.
"""

from __future__ import annotations

import base64
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import (
    SourceSpec,
    b64_field,
    epoch_ms,
    first_record,
    list_where,
    raw_path,
    record_list,
)
from lambent.sources._match import resource_filter, resource_overlap


class KinesisRecordMetadata(msgspec.Struct, rename="camel", frozen=True, gc=False):
    shard_id: str | None = None
    partition_key: str | None = None
    sequence_number: str | None = None
    subsequence_number: Any = None
    approximate_arrival_timestamp: Any = None


class MSKRecordMetadata(msgspec.Struct, rename="camel", frozen=True, gc=False):
    offset: Any = None
    partition_id: Any = None
    approximate_arrival_timestamp: Any = None


class FirehoseRecord(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One record to transform: the item a handler receives."""

    record_id: str
    data: str | None = None
    approximate_arrival_timestamp: int | None = None
    kinesis_record_metadata: KinesisRecordMetadata | None = None
    kafka_record_value: str | None = None
    msk_record_metadata: MSKRecordMetadata | None = None

    @property
    def data_bytes(self) -> bytes:
        """``data`` (or ``kafkaRecordValue``), base64-decoded."""
        encoded = self.data if self.data is not None else self.kafka_record_value
        return base64.b64decode(encoded or "")

    @property
    def arrived_at(self) -> datetime | None:
        """``approximateArrivalTimestamp`` (epoch ms) as a UTC datetime."""
        value = self.approximate_arrival_timestamp
        return None if value is None else epoch_ms(value)


class FirehoseEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The whole transformation request."""

    records: tuple[FirehoseRecord, ...] = ()
    invocation_id: str | None = None
    delivery_stream_arn: str | None = None
    region: str | None = None
    source_kinesis_stream_arn: str | None = None
    source_msk_arn: str | None = msgspec.field(default=None, name="sourceMSKArn")

    @property
    def delivery_stream_name(self) -> str:
        """The name from ``arn:...:deliverystream/<name>`` ("" if not an ARN)."""
        _, sep, name = (self.delivery_stream_arn or "").partition(":deliverystream/")
        return name if sep else ""


def detect(event: Mapping[str, Any]) -> bool:
    """A ``records`` list of ``recordId`` records, and no ``applicationArn`` (row 13).

    ``deliveryStreamArn``/``invocationId`` are normally present; a records-only
    envelope (seen in the .NET test tool) is accepted when its first record carries
    ``approximateArrivalTimestamp``, which Kinesis Data Analytics records lack.
    """
    if "applicationArn" in event:
        return False
    first = first_record(event, "records")
    if first is None or "recordId" not in first:
        return False
    if "deliveryStreamArn" in event or "invocationId" in event:
        return True
    return "approximateArrivalTimestamp" in first


def _items(event: FirehoseEvent) -> Sequence[FirehoseRecord]:
    return event.records


def _raw_items(event: Mapping[str, Any]) -> Sequence[Any]:
    return record_list(event, "records")


def _item_id(record: FirehoseRecord) -> str:
    return record.record_id


def _route_key(event: FirehoseEvent, record: FirehoseRecord) -> Hashable:
    return event.delivery_stream_arn or ""


def _payload(record: FirehoseRecord) -> bytes:
    if record.data is not None:
        return b64_field(record.data, "$.data")
    return b64_field(record.kafka_record_value, "$.kafkaRecordValue")


SPEC: SourceSpec[FirehoseEvent, FirehoseRecord] = SourceSpec(
    requires="records",
    kind="firehose",
    detect=detect,
    event_type=FirehoseEvent,
    item_type=FirehoseRecord,
    items=_items,
    raw_items=_raw_items,
    raw_where=list_where("records"),
    item_id=_item_id,
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    response="firehose",
    raw_id=raw_path("recordId"),
    route_filter=lambda stream=None: resource_filter("stream", stream),
    overlaps=resource_overlap("stream"),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "FirehoseEvent",
    "FirehoseRecord",
    "KinesisRecordMetadata",
    "MSKRecordMetadata",
    "detect",
]
