"""Reading shards of a Kinesis stream or a DynamoDB stream, as Lambda-shaped records.

One reader per stream: it lists the shards (with their parents, so children start
after their parents end), opens an iterator at a checkpoint or a starting position,
and turns ``GetRecords`` answers into the records Lambda delivers (LAMBDA.md §5.4,
§5.5): base64 data, epoch-second timestamps, ``eventSourceARN``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lambent.poll._backoff import Retrier
from lambent.poll._errors import explain
from lambent.poll._options import PollOptions, Source


@dataclass(frozen=True, slots=True)
class Shard:
    id: str
    parents: tuple[str, ...] = ()
    #: a closed shard's last sequence number (no record is added after it)
    end: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    next_iterator: str | None
    lag_ms: int = 0


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _b64_binaries(value: Any) -> Any:
    """botocore decodes ``B``/``BS`` attribute values to bytes; Lambda sends base64 text."""
    if isinstance(value, dict):
        return {k: _b64_binaries(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_b64_binaries(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


def _shard(listed: dict[str, Any], *parent_keys: str) -> Shard:
    """A shard as ``ListShards`` or ``DescribeStream`` lists it, its parents under
    ``parent_keys``."""
    parents = tuple(p for p in (listed.get(k) for k in parent_keys) if p)
    end = listed.get("SequenceNumberRange", {}).get("EndingSequenceNumber")
    return Shard(listed["ShardId"], parents, end)


class Reader(Protocol):
    """What a stream poller reads a stream through (:class:`KinesisReader`,
    :class:`DynamoDBReader`)."""

    service: str
    info_key: str
    #: the permissions reading the stream takes, named when one is missing
    permissions: str
    #: how long the stream keeps a record, in seconds
    retention: float

    async def prepare(self) -> None: ...
    async def shards(self) -> list[Shard]: ...
    async def iterator(self, shard: str, after: str | None, position: str | None = None) -> str: ...
    async def read(self, shard: str, iterator: str, limit: int) -> Page: ...
    def sequence(self, record: dict[str, Any]) -> str: ...
    def arrival(self, record: dict[str, Any]) -> float: ...


class _StreamReader:
    """What the readers share: the stream, its client, the retries and the options, and
    :meth:`prepare`, the first call that finds the stream (its failure explained)."""

    permissions: str
    #: how long the stream keeps a record, in seconds (24 hours unless it says more)
    retention: float = 24 * 3600.0

    def __init__(self, source: Source, client: Any, retry: Retrier, options: PollOptions) -> None:
        self.source, self.client, self.retry, self.options = source, client, retry, options

    async def prepare(self) -> None:
        try:
            await self._describe()
        except Exception as exc:
            raise explain(exc, self.source, "stream", self.permissions) from None

    async def _describe(self) -> None:
        raise NotImplementedError


class KinesisReader(_StreamReader):
    service = "kinesis"
    info_key = "KinesisBatchInfo"
    permissions = (
        "kinesis:DescribeStreamSummary, kinesis:ListShards, kinesis:GetShardIterator, "
        "kinesis:GetRecords"
    )

    def __init__(self, source: Source, client: Any, retry: Retrier, options: PollOptions) -> None:
        super().__init__(source, client, retry, options)
        self.role = f"arn:aws:iam::{source.account}:role/lambent-poll"

    async def _describe(self) -> None:
        got = await self.retry.call(
            self.client.describe_stream_summary, StreamName=self.source.name
        )
        hours = got.get("StreamDescriptionSummary", {}).get("RetentionPeriodHours")
        if hours:
            self.retention = float(hours) * 3600

    async def shards(self) -> list[Shard]:
        out: list[Shard] = []
        kwargs: dict[str, Any] = {"StreamName": self.source.name}
        while True:
            got = await self.retry.call(self.client.list_shards, **kwargs)
            out.extend(
                _shard(s, "ParentShardId", "AdjacentParentShardId") for s in got.get("Shards", [])
            )
            token = got.get("NextToken")
            if not token:
                return out
            kwargs = {"NextToken": token}

    async def iterator(self, shard: str, after: str | None, position: str | None = None) -> str:
        kwargs: dict[str, Any] = {"StreamName": self.source.name, "ShardId": shard}
        if after is not None:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        else:
            kwargs["ShardIteratorType"] = position or self.options.starting_position
            if kwargs["ShardIteratorType"] == "AT_TIMESTAMP":
                kwargs["Timestamp"] = self.options.starting_timestamp
        got = await self.retry.call(self.client.get_shard_iterator, **kwargs)
        return str(got["ShardIterator"])

    async def read(self, shard: str, iterator: str, limit: int) -> Page:
        got = await self.retry.call(self.client.get_records, ShardIterator=iterator, Limit=limit)
        src = self.source
        records = []
        for r in got.get("Records", []):
            seq = r["SequenceNumber"]
            kinesis: dict[str, Any] = {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": r["PartitionKey"],
                "sequenceNumber": seq,
                "data": base64.b64encode(r["Data"]).decode(),
                "approximateArrivalTimestamp": _epoch(r["ApproximateArrivalTimestamp"]),
            }
            if r.get("EncryptionType") and r["EncryptionType"] != "NONE":
                kinesis["encryptionType"] = r["EncryptionType"]
            records.append(
                {
                    "kinesis": kinesis,
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"{shard}:{seq}",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": self.role,
                    "awsRegion": src.region,
                    "eventSourceARN": src.arn,
                }
            )
        return Page(records, got.get("NextShardIterator"), int(got.get("MillisBehindLatest", 0)))

    @staticmethod
    def sequence(record: dict[str, Any]) -> str:
        return str(record["kinesis"]["sequenceNumber"])

    @staticmethod
    def arrival(record: dict[str, Any]) -> float:
        return float(record["kinesis"]["approximateArrivalTimestamp"])


class DynamoDBReader(_StreamReader):
    service = "dynamodbstreams"
    info_key = "DDBStreamBatchInfo"
    permissions = "dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords"

    async def _describe(self) -> None:
        await self.retry.call(self.client.describe_stream, StreamArn=self.source.arn, Limit=1)

    async def shards(self) -> list[Shard]:
        out: list[Shard] = []
        kwargs: dict[str, Any] = {"StreamArn": self.source.arn}
        while True:
            got = await self.retry.call(self.client.describe_stream, **kwargs)
            desc = got["StreamDescription"]
            out.extend(_shard(s, "ParentShardId") for s in desc.get("Shards", []))
            last = desc.get("LastEvaluatedShardId")
            if not last:
                return out
            kwargs = {"StreamArn": self.source.arn, "ExclusiveStartShardId": last}

    async def iterator(self, shard: str, after: str | None, position: str | None = None) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.source.arn, "ShardId": shard}
        if after is not None:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            position = position or self.options.starting_position
            kwargs["ShardIteratorType"] = "LATEST" if position == "AT_TIMESTAMP" else position
        got = await self.retry.call(self.client.get_shard_iterator, **kwargs)
        return str(got["ShardIterator"])

    async def read(self, shard: str, iterator: str, limit: int) -> Page:
        got = await self.retry.call(self.client.get_records, ShardIterator=iterator, Limit=limit)
        records = []
        for r in got.get("Records", []):
            body = dict(r.get("dynamodb", {}))
            if "ApproximateCreationDateTime" in body:
                body["ApproximateCreationDateTime"] = int(
                    _epoch(body["ApproximateCreationDateTime"])
                )
            out: dict[str, Any] = {
                "eventID": r.get("eventID"),
                "eventName": r.get("eventName"),
                "eventVersion": r.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": r.get("awsRegion", self.source.region),
                "dynamodb": _b64_binaries(body),
                "eventSourceARN": self.source.arn,
            }
            if r.get("userIdentity"):
                out["userIdentity"] = r["userIdentity"]
            records.append(out)
        return Page(records, got.get("NextShardIterator"))

    @staticmethod
    def sequence(record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    @staticmethod
    def arrival(record: dict[str, Any]) -> float:
        return float(record["dynamodb"].get("ApproximateCreationDateTime", 0))
