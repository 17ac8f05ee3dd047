"""On-failure destinations of stream sources (lambent.poll._destinations): the record
Lambda sends (metadata only, LAMBDA.md §4.5), and its delivery to an SQS queue (moto on
127.0.0.1)."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

import lambent.aws
from lambent.poll._backoff import Retrier
from lambent.poll._destinations import Destination, failure_record
from tests.loggers import QuietLogger

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _record() -> dict[str, Any]:
    return failure_record(
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        condition="RetryAttemptsExhausted",
        attempts=3,
        info_key="KinesisBatchInfo",
        shard="shardId-000000000000",
        stream_arn=STREAM,
        sequences=("100", "200"),
        arrivals=(1700000000.0, 1700000000.5),
        size=7,
    )


def test_the_record_names_the_shard_and_sequences_and_never_the_records() -> None:
    record = _record()
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["KinesisBatchInfo"]
    assert (info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        "shardId-000000000000",
        "100",
        "200",
    )
    assert (info["batchSize"], info["streamArn"]) == (7, STREAM)
    assert info["approximateArrivalOfFirstRecord"] == "2023-11-14T22:13:20.000Z"
    assert info["approximateArrivalOfLastRecord"] == "2023-11-14T22:13:20.500Z"
    assert ISO_MS.match(record["timestamp"])
    assert _record()["requestContext"]["requestId"] != record["requestContext"]["requestId"]
    assert "Records" not in json.dumps(record)


@pytest.mark.network
async def test_a_queue_destination_receives_the_record_as_json(moto_url: str) -> None:
    sqs: Any = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1")
    url = sqs.create_queue(QueueName="poll-failures")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    client = await lambent.aws.client("sqs", region="us-east-1", endpoint_url=moto_url)
    retry = Retrier("destination", QuietLogger(), base=0.0, cap=0.0, on_outage=lambda: None)
    try:
        destination = Destination(arn, client, retry)
        record = _record()
        await destination.send(record)
        await destination.send(record)  # the queue URL is looked up once, then reused
    finally:
        await lambent.aws.close()
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = [json.loads(m["Body"]) for m in got["Messages"]]
    assert bodies == [record, record]
