"""DynamoDB Streams through ``lambent.poll`` against moto: routes by event name, images,
and checkpoints in a DynamoDB table that a second run resumes from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
import structlog
from botocore.exceptions import ClientError

from lambent._logging import get_logger
from lambent.poll import PollOptions, parse_source, run
from lambent.poll._checkpoint import FileCheckpoints
from lambent.poll._runtime import Runtime
from lambent.poll._shards import DynamoDBReader
from lambent.poll._streams import StreamPoller
from tests.poll._helpers import Wrapped, client, drain, read_log
from tests.poll.apps.recorder import app

pytestmark = pytest.mark.network


def make_table(dynamodb: Any, name: str) -> str:
    got = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(got["TableDescription"]["LatestStreamArn"])


def test_changes_reach_their_routes_and_a_second_run_resumes(moto_url: str, poll_log: Path) -> None:
    log = poll_log
    dynamodb = client("dynamodb", moto_url)
    arn = make_table(dynamodb, "things")
    dynamodb.put_item(TableName="things", Item={"id": {"S": "a"}, "qty": {"N": "1"}})
    dynamodb.put_item(
        TableName="things", Item={"id": {"S": "b"}, "qty": {"N": "2"}, "blob": {"B": b"\x00\x01"}}
    )
    dynamodb.put_item(TableName="things", Item={"id": {"S": "a"}, "qty": {"N": "5"}})
    dynamodb.delete_item(TableName="things", Key={"id": {"S": "b"}})
    options = PollOptions(
        endpoint_url=moto_url, starting_position="TRIM_HORIZON", idle_exit=1.5,
        poll_interval=0.2, checkpoint="dynamodb://poll-checkpoints",
    )  # fmt: skip
    anyio.run(lambda: run(app, arn, options=options, signals=False))
    first = read_log(log)
    by_key = {k: [e for e in first if e["keys"] == {"id": k}] for k in ("a", "b")}
    assert [e["event"] for e in by_key["a"]] == ["INSERT", "MODIFY"]
    assert [e["event"] for e in by_key["b"]] == ["INSERT", "REMOVE"]
    assert by_key["a"][0]["new"] == {"id": "a", "qty": "1"}
    assert by_key["a"][1]["old"]["qty"] == "1" and by_key["a"][1]["new"]["qty"] == "5"
    assert by_key["b"][0]["new"]["blob"] == "b'\\x00\\x01'"  # base64 on the wire, bytes decoded
    assert by_key["b"][1]["old"]["id"] == "b"
    saved = dynamodb.scan(TableName="poll-checkpoints")["Items"]
    assert len(saved) == 1 and saved[0]["shard"]["S"].startswith(arn + "#")

    dynamodb.put_item(TableName="things", Item={"id": {"S": "c"}, "qty": {"N": "3"}})
    anyio.run(lambda: run(app, arn, options=options, signals=False))
    second = read_log(log)[len(first) :]
    assert [(e["event"], e["keys"]) for e in second] == [("INSERT", {"id": "c"})]


def test_a_poison_item_goes_to_an_sns_destination(moto_url: str, poll_log: Path) -> None:
    dynamodb, sns, sqs = (client(s, moto_url) for s in ("dynamodb", "sns", "sqs"))
    arn = make_table(dynamodb, "poisoned")
    topic = sns.create_topic(Name="stream-failures")["TopicArn"]
    inbox = sqs.create_queue(QueueName="stream-failures-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    for key, poison in (("a", False), ("b", True), ("c", False)):
        item = {"id": {"S": key}, **({"poison": {"BOOL": True}} if poison else {})}
        dynamodb.put_item(TableName="poisoned", Item=item)
    options = PollOptions(
        endpoint_url=moto_url, starting_position="TRIM_HORIZON", idle_exit=1.5,
        poll_interval=0.2, max_retries=1, on_failure=topic, retry_base=0.05,
    )  # fmt: skip
    anyio.run(lambda: run(app, arn, options=options, signals=False))
    entries = read_log(poll_log)
    assert {e["keys"]["id"] for e in entries if e["event"] == "INSERT"} == {"a", "c"}
    assert sum(e["event"] == "failed" for e in entries) == 2  # the first try and one retry
    (record,) = drain(sqs, inbox)
    info = record["DDBStreamBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["streamArn"] == arn and info["batchSize"] >= 1
    assert int(info["startSequenceNumber"]) <= int(info["endSequenceNumber"])


class _Trimmed(Wrapped):
    """moto's DynamoDB stream reader, refusing an iterator after any checkpoint as
    DynamoDB refuses one older than the stream's 24 hours."""

    async def iterator(self, shard: str, after: str | None, position: str | None = None) -> str:
        if after is not None:
            raise ClientError(
                {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}},
                "GetShardIterator",
            )
        iterator: str = await self.reader.iterator(shard, after, position)
        return iterator


def test_a_checkpoint_older_than_the_stream_resumes_at_its_oldest_record(
    moto_url: str, poll_log: Path, tmp_path: Path
) -> None:
    dynamodb = client("dynamodb", moto_url)
    arn = make_table(dynamodb, "trimmed")
    dynamodb.put_item(TableName="trimmed", Item={"id": {"S": "a"}})
    streams = client("dynamodbstreams", moto_url)
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    checkpoint = tmp_path / "cp.json"
    checkpoint.write_text(json.dumps({f"{arn}#{shard['ShardId']}": {"sequence": "1"}}))
    # LATEST would skip what is there: the oldest record is the nearest to the checkpoint
    opts = PollOptions(endpoint_url=moto_url, idle_exit=1.5, poll_interval=0.2)
    source = parse_source(arn, "us-east-1")

    async def main() -> None:
        rt = Runtime(app, opts, get_logger("lambent.poll"))
        try:
            sdk = await rt.client("dynamodbstreams", "us-east-1")
            reader = _Trimmed(DynamoDBReader(source, sdk, rt.retrier(source), opts))
            poller = StreamPoller(rt, source, reader, FileCheckpoints(str(checkpoint)), None)
            async with anyio.create_task_group() as work:
                await poller.run(work)  # before: the shard was never opened again
        finally:
            await rt.aclose()

    with structlog.testing.capture_logs() as logs:
        anyio.run(main)
    assert [(e["event"], e["keys"]) for e in read_log(poll_log)] == [("INSERT", {"id": "a"})]
    (warning,) = [e for e in logs if e["log_level"] == "warning"]
    assert warning["event"].startswith("the checkpoint is older than the stream's oldest record")
    assert warning["checkpoint"] == "1"
