"""Reading a Kinesis stream's shards as Lambda-shaped records (lambent.poll._shards),
against moto on 127.0.0.1: the shards listed, an iterator at a position or after a
checkpoint, records as Lambda delivers them, and a missing stream told as PollError."""

from __future__ import annotations

import base64
import time
from typing import Any

import boto3
import pytest

import lambent.aws
from lambent.poll import PollError, PollOptions, parse_source
from lambent.poll._backoff import Retrier
from lambent.poll._shards import KinesisReader
from lambent.sources import detect
from tests.loggers import QuietLogger

pytestmark = pytest.mark.network


def _stream(moto_url: str, records: list[bytes]) -> str:
    kinesis: Any = boto3.client("kinesis", endpoint_url=moto_url, region_name="us-east-1")
    name = f"clicks-{time.monotonic_ns()}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    for data in records:
        kinesis.put_record(StreamName=name, Data=data, PartitionKey="user-1")
    return name


async def _reader(moto_url: str, name: str) -> KinesisReader:
    source = parse_source(f"arn:aws:kinesis:us-east-1:123456789012:stream/{name}", "us-east-1")
    client = await lambent.aws.client("kinesis", region="us-east-1", endpoint_url=moto_url)
    retry = Retrier("stream", QuietLogger(), base=0.0, cap=0.0, on_outage=lambda: None)
    return KinesisReader(source, client, retry, PollOptions(starting_position="TRIM_HORIZON"))


async def test_records_are_read_as_lambda_delivers_them(moto_url: str) -> None:
    name = _stream(moto_url, [b'{"n": 1}', b"\x00binary"])
    try:
        reader = await _reader(moto_url, name)
        await reader.prepare()
        (shard,) = await reader.shards()
        assert shard.parents == () and shard.end is None
        page = await reader.read(shard.id, await reader.iterator(shard.id, None), 10)
        assert [base64.b64decode(r["kinesis"]["data"]) for r in page.records] == [
            b'{"n": 1}',
            b"\x00binary",
        ]
        first = page.records[0]
        assert first["eventID"] == f"{shard.id}:{reader.sequence(first)}"
        assert (
            first["eventSourceARN"] == reader.source.arn
            and first["kinesis"]["partitionKey"] == "user-1"
        )
        assert abs(reader.arrival(first) - time.time()) < 600
        assert detect({"Records": page.records}) == "kinesis-stream"
        after = await reader.read(
            shard.id, await reader.iterator(shard.id, reader.sequence(first)), 10
        )
        assert [reader.sequence(r) for r in after.records] == [reader.sequence(page.records[1])]
    finally:
        await lambent.aws.close()


async def test_a_missing_stream_is_a_poll_error(moto_url: str) -> None:
    try:
        reader = await _reader(moto_url, "no-such-stream")
        with pytest.raises(PollError, match="does not exist in region us-east-1"):
            await reader.prepare()
    finally:
        await lambent.aws.close()
