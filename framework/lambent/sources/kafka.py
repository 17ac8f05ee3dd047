"""Apache Kafka: Amazon MSK and self-managed clusters, delivered by an event source mapping.

LAMBDA.md §4.6: ``{"eventSource": "aws:kafka" | "SelfManagedKafka", "eventSourceArn"
(MSK only), "bootstrapServers", "records": {"<topic>-<partition>": [record, ...]}}`` --
lowercase ``records``, an *object*. ``key``/``value`` are base64 (either may be absent
or null); ``headers`` is a list of one-entry objects ``{name: [signed bytes]}``.
The corpus also shows ``eventSource == "aws:SelfManagedKafka"``; all three spellings
are accepted.

Items are the records of every ``records`` entry, entries in delivery (key) order and
records in list order. Records of one topic-partition run in order.

Partial batch item identifier
-----------------------------
Unlike SQS and the streams, a Kafka ``itemIdentifier`` is a JSON *object*:
``{"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<partition>",
"offset": <int>}}]}`` -- ``partition`` is the ``records`` key (topic and partition
number joined by ``-``) and ``offset`` the record's offset. :func:`item_identifier`
builds it. Sources:

* AWS Lambda Developer Guide, "Configuring error handling controls for Kafka event
  sources" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html):
  partial batch response (``ReportBatchItemFailures``) is available for MSK and
  self-managed Kafka in provisioned poller mode. The stored excerpts of that page did not
  include the identifier syntax itself.
* Powertools for AWS Lambda (Python) PR #7941 "feat(batch): add Kafka/MSK batch
  processing support" (https://github.com/aws-powertools/powertools-lambda-python/pull/7941,
  merged 2026-01): ``KafkaItemIdentifier = {partition: str, offset: int}``, its tests
  expect ``{"partition": "mytopic-0", "offset": 1}``.
* aws/aws-lambda-rust-runtime PR #1164 "Add Kafka partial batch failure response
  types" (citing the page above): ``KafkaItemIdentifier {partition: String, offset: i64}``
  serialised as ``{"itemIdentifier": {"partition": "some.topic-3", "offset": 42}}``.

``SourceSpec.item_id`` must be a string, so :func:`item_id` gives
``"<topic>-<partition>:<offset>"`` for logs, and ``SPEC.report_id`` puts
:func:`item_identifier` (an object) in the wire response.
"""

from __future__ import annotations

import base64
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import SourceSpec, b64_field, epoch_ms, grouped_where, one_of
from lambent.sources._match import exact_filter, no_glob

#: ``eventSource`` values of Kafka events (MSK, self-managed, and the corpus's variant)
EVENT_SOURCES = frozenset({"aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"})


def _b64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def header_bytes(values: Sequence[int]) -> bytes:
    """A header value sent as signed Java bytes (-128..127) as ``bytes``."""
    return bytes(v & 0xFF for v in values)


class KafkaRecord(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One Kafka record: the item a handler receives."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None = None
    timestamp_type: str | None = None
    key: str | None = None
    value: str | None = None
    headers: tuple[dict[str, tuple[int, ...]], ...] = ()

    @property
    def key_bytes(self) -> bytes | None:
        """``key``, base64-decoded (None when absent)."""
        return _b64(self.key)

    @property
    def value_bytes(self) -> bytes | None:
        """``value``, base64-decoded (None when absent or null)."""
        return _b64(self.value)

    @property
    def header_list(self) -> list[tuple[str, bytes]]:
        """Every header as ``(name, bytes)``, in order (names may repeat)."""
        return [(k, header_bytes(v)) for entry in self.headers for k, v in entry.items()]

    @property
    def decoded_headers(self) -> dict[str, bytes]:
        """Headers as a ``dict`` of name -> bytes (the last value wins for a repeated name)."""
        return dict(self.header_list)

    @property
    def topic_partition(self) -> str:
        """``"<topic>-<partition>"``: the key of this record's ``records`` entry."""
        return f"{self.topic}-{self.partition}"

    @property
    def time(self) -> datetime | None:
        """``timestamp`` (epoch ms) as a UTC datetime."""
        return None if self.timestamp is None else epoch_ms(self.timestamp)


class KafkaEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The whole invocation event."""

    event_source: str
    records: dict[str, tuple[KafkaRecord, ...]] = {}
    event_source_arn: str | None = None
    bootstrap_servers: str | None = None

    @property
    def is_msk(self) -> bool:
        return self.event_source == "aws:kafka"

    @property
    def bootstrap_server_list(self) -> list[str]:
        return [s for s in (self.bootstrap_servers or "").split(",") if s]


def detect(event: Mapping[str, Any]) -> bool:
    """A Kafka ``eventSource`` and an object ``records`` (LAMBDA.md §6 row 10)."""
    return one_of(event.get("eventSource"), EVENT_SOURCES) and isinstance(
        event.get("records"), dict
    )


def item_identifier(record: KafkaRecord) -> dict[str, str | int]:
    """The ``itemIdentifier`` object reporting ``record`` as failed (see the module docs)."""
    return {"partition": record.topic_partition, "offset": record.offset}


def item_id(record: KafkaRecord) -> str:
    """A string naming ``record`` in logs: ``"<topic>-<partition>:<offset>"``."""
    return f"{record.topic}-{record.partition}:{record.offset}"


def _items(event: KafkaEvent) -> Sequence[KafkaRecord]:
    return [record for batch in event.records.values() for record in batch]


def _raw_items(event: Mapping[str, Any]) -> Sequence[Any]:
    records = event.get("records")
    if not isinstance(records, dict):
        return ()
    return [r for batch in records.values() if isinstance(batch, list) for r in batch]


def _route_key(event: KafkaEvent, record: KafkaRecord) -> Hashable:
    return record.topic


def _payload(record: KafkaRecord) -> bytes | None:
    return None if record.value is None else b64_field(record.value, "$.value")


def _order_key(record: KafkaRecord) -> Hashable | None:
    return (record.topic, record.partition)


def _raw_report_id(raw: Any) -> dict[str, Any] | None:
    """A raw record's ``itemIdentifier`` (topic-partition and offset), when readable."""
    if not isinstance(raw, Mapping):
        return None
    topic, partition, offset = raw.get("topic"), raw.get("partition"), raw.get("offset")
    if not isinstance(topic, str) or not isinstance(partition, int) or not isinstance(offset, int):
        return None
    return {"partition": f"{topic}-{partition}", "offset": offset}


def _raw_id(raw: Any) -> str | None:
    wire = _raw_report_id(raw)
    return None if wire is None else f"{wire['partition']}:{wire['offset']}"


SPEC: SourceSpec[KafkaEvent, KafkaRecord] = SourceSpec(
    requires="records",
    kind="kafka",
    detect=detect,
    event_type=KafkaEvent,
    item_type=KafkaRecord,
    items=_items,
    raw_items=_raw_items,
    raw_where=grouped_where("records"),
    item_id=item_id,
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    order_key=_order_key,
    response="batch",
    report_id=item_identifier,
    raw_id=_raw_id,
    raw_report_id=_raw_report_id,
    route_filter=lambda topic=None: exact_filter("topic", no_glob("topic", topic)),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "EVENT_SOURCES",
    "SPEC",
    "SPECS",
    "KafkaEvent",
    "KafkaRecord",
    "detect",
    "header_bytes",
    "item_id",
    "item_identifier",
]
