"""Factories for streams: Kinesis Data Streams, Kafka (MSK and self-managed), Firehose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    arn,
    arn_parts,
    b64,
    epoch_ms,
    increasing,
    per_item,
    raw,
    timestamp,
)

KafkaSource = Literal["msk", "self-managed"]

DEFAULT_DATA = '{"message": "hello"}'


def kinesis_event(
    *data: Any,
    stream: str = "events",
    partition_key: str | Sequence[str] = "partition-1",
    shard: str = "shardId-000000000000",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Kinesis batch, one record per payload (str/bytes as is, other values as JSON),
    ``data`` base64-encoded, sequence numbers increasing.

    ``partition_key`` is one key for all records or one per record (cycled).
    """
    ids = Ids(seed)
    if stream.startswith("arn:"):
        region, account, _ = arn_parts(stream, "kinesis", "stream/NAME")
    stream_arn = (
        stream if stream.startswith("arn:") else arn("kinesis", region, account, f"stream/{stream}")
    )
    payloads = list(data) or [DEFAULT_DATA]
    numbers = increasing(ids, 56, len(payloads), step=int(ids.digits(20)))
    arrived = timestamp(at)
    role = arn("iam", "", account, "role/lambda-role")
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": per_item(partition_key, i, "partition-1"),
                    "sequenceNumber": numbers[i],
                    "data": b64(payload),
                    "approximateArrivalTimestamp": round(arrived + i / 1000, 3),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard}:{numbers[i]}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": role,
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
            for i, payload in enumerate(payloads)
        ]
    }


def kafka_event(
    *values: Any,
    topic: str = "orders",
    partition: int = 0,
    key: Any = None,
    headers: Mapping[str, str | bytes] | None = None,
    source: KafkaSource = "msk",
    cluster: str = "my-cluster",
    bootstrap_servers: str | None = None,
    offset: int = 0,
    timestamp_type: Literal["CREATE_TIME", "LOG_APPEND_TIME"] = "CREATE_TIME",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Kafka batch from Amazon MSK (``source="msk"``) or a self-managed cluster.

    ``records`` is keyed ``"<topic>-<partition>"``; ``key`` (omitted when ``None``) and
    each value are base64-encoded; a value of ``None`` is a tombstone (a record without
    ``value``, as a compacted topic's delete arrives), not the JSON text ``null``;
    ``headers`` become lists of signed bytes, as Java's ``byte`` has them. Offsets
    increase from ``offset``.
    """
    ids = Ids(seed)
    sent = epoch_ms(at)
    header_list = [{k: _signed(raw(v))} for k, v in (headers or {}).items()]
    records = []
    for i, value in enumerate(list(values) or [DEFAULT_DATA]):
        record: dict[str, Any] = {
            "topic": topic,
            "partition": partition,
            "offset": offset + i,
            "timestamp": sent + i,
            "timestampType": timestamp_type,
        }
        if key is not None:
            record["key"] = b64(key)
        if value is not None:  # None: a tombstone, which has no value
            record["value"] = b64(value)
        record["headers"] = header_list
        records.append(record)
    if source == "msk":
        host = f"{cluster}.{ids.lower(6)}.c2.kafka.{region}.amazonaws.com"
        servers = bootstrap_servers or f"b-1.{host}:9098,b-2.{host}:9098"
        cluster_arn = arn("kafka", region, account, f"cluster/{cluster}/{ids.uuid()}-2")
        return {
            "eventSource": "aws:kafka",
            "eventSourceArn": cluster_arn,
            "bootstrapServers": servers,
            "records": {f"{topic}-{partition}": records},
        }
    return {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": bootstrap_servers
        or "kafka-1.example.com:9092,kafka-2.example.com:9092",
        "records": {f"{topic}-{partition}": records},
    }


def _signed(data: bytes) -> list[int]:
    return [b - 256 if b > 127 else b for b in data]


def firehose_event(
    *data: Any,
    stream: str = "delivery-stream",
    source_stream: str | None = None,
    partition_key: str = "partition-1",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Firehose transformation request, one record per payload (``data`` base64).

    With ``source_stream`` (a Kinesis stream name) the request has
    ``sourceKinesisStreamArn`` and each record ``kinesisRecordMetadata``.
    """
    ids = Ids(seed)
    sent = epoch_ms(at)
    payloads = list(data) or [DEFAULT_DATA]
    numbers = increasing(ids, 56, len(payloads), step=int(ids.digits(20)))
    event: dict[str, Any] = {
        "invocationId": ids.uuid(),
        "deliveryStreamArn": arn("firehose", region, account, f"deliverystream/{stream}"),
    }
    if source_stream is not None:
        event["sourceKinesisStreamArn"] = arn("kinesis", region, account, f"stream/{source_stream}")
    event["region"] = region
    records = []
    for i, payload in enumerate(payloads):
        record: dict[str, Any] = {
            "recordId": numbers[i],
            "approximateArrivalTimestamp": sent + i,
            "data": b64(payload),
        }
        if source_stream is not None:
            record["kinesisRecordMetadata"] = {
                "shardId": "shardId-000000000000",
                "partitionKey": partition_key,
                "approximateArrivalTimestamp": sent + i,
                "sequenceNumber": numbers[i],
                "subsequenceNumber": 0,
            }
        records.append(record)
    event["records"] = records
    return event


def tumbling_window(
    event: Mapping[str, Any],
    *,
    state: Mapping[str, Any] | None = None,
    start: str = "2024-01-01T00:00:00Z",
    end: str = "2024-01-01T00:01:00Z",
    final: bool = False,
    terminated_early: bool = False,
) -> dict[str, Any]:
    """A Kinesis or DynamoDB Streams batch as a tumbling-window invocation delivers it:
    the batch plus ``window``, ``state``, ``shardId``, ``eventSourceARN``,
    ``isFinalInvokeForWindow`` and ``isWindowTerminatedEarly`` (LAMBDA.md §4.5)."""
    records = event.get("Records") or [{}]
    first = records[0]
    event_id = str(first.get("eventID", ""))
    shard = event_id.partition(":")[0] if ":" in event_id else "shardId-000000000000"
    return {
        **event,
        "window": {"start": start, "end": end},
        "state": dict(state or {}),
        "shardId": shard,
        "eventSourceARN": first.get("eventSourceARN", ""),
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": terminated_early,
    }
