"""On-failure destinations of stream sources (lambent.poll._destinations): the record
Lambda sends (metadata only, LAMBDA.md §4.5), and its delivery to an SQS queue (moto on
127.0.0.1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import boto3
import pytest
import structlog

import lambent.aws
from lambent import App
from lambent.poll import PollError, PollOptions, run
from lambent.poll._backoff import Retrier
from lambent.poll._destinations import Destination, failure_record
from lambent.sources.kinesis import KinesisRecord
from tests.loggers import QuietLogger
from tests.poll.apps.recorder import app

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


@pytest.mark.network
@pytest.mark.parametrize("service", ["sqs", "sns"])
def test_a_destination_that_does_not_exist_is_a_start_up_mistake(
    moto_url: str, service: str
) -> None:
    # found before anything is read, as the source's own mistakes are (the old poller
    # learnt it at the first record given up, and crashed there with a traceback)
    kinesis: Any = boto3.client("kinesis", endpoint_url=moto_url, region_name="us-east-1")
    kinesis.create_stream(StreamName=f"to-{service}", ShardCount=1)
    summary = kinesis.describe_stream_summary(StreamName=f"to-{service}")
    stream = summary["StreamDescriptionSummary"]["StreamARN"]
    arn = f"arn:aws:{service}:us-east-1:123456789012:nowhere"
    options = PollOptions(endpoint_url=moto_url, on_failure=arn, idle_exit=0.5)
    with pytest.raises(PollError) as raised:
        anyio.run(lambda: run(app, stream, options=options, signals=False))
    assert str(raised.value) == f"on-failure destination {arn} does not exist in region us-east-1"


@pytest.mark.network
def test_a_destination_gone_mid_run_holds_the_shard_without_a_traceback(
    moto_url: str, tmp_path: Path
) -> None:
    sqs: Any = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1")
    url = sqs.create_queue(QueueName="gone-failures")["QueueUrl"]
    dest = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    kinesis: Any = boto3.client("kinesis", endpoint_url=moto_url, region_name="us-east-1")
    kinesis.create_stream(StreamName="poisoned", ShardCount=1)
    summary = kinesis.describe_stream_summary(StreamName="poisoned")
    stream = summary["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_record(StreamName="poisoned", Data=b"{}", PartitionKey="k")
    poisoned = App("poisoned")

    @poisoned.kinesis()
    def fails(record: KinesisRecord) -> None:
        sqs.delete_queue(QueueUrl=url)  # gone by the time the record is given up
        raise RuntimeError("poison")

    checkpoints = tmp_path / "checkpoints.json"
    options = PollOptions(
        endpoint_url=moto_url, on_failure=dest, max_retries=0, starting_position="TRIM_HORIZON",
        checkpoint=str(checkpoints), poll_interval=0.2, retry_base=0.05, retry_cap=0.5,
    )  # fmt: skip

    async def main() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run(poisoned, stream, options=options, stop=stop, signals=False))
            await anyio.sleep(3)
            stop.set()

    with structlog.testing.capture_logs() as logs:
        anyio.run(main)  # the old poller raised the send's QueueDoesNotExist here
    errors = [e for e in logs if e["log_level"] == "error" and e["event"] != "record failed"]
    assert errors and {e["event"] for e in errors} == {
        "on-failure destination failed; the shard waits for it"
    }
    assert errors[0]["error"] == f"on-failure destination {dest} does not exist in region us-east-1"
    assert not checkpoints.exists()  # not given up unrecorded: a restart tries again
