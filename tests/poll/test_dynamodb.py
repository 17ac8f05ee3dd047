"""DynamoDB Streams through ``lambent.poll`` against moto: routes by event name, images,
and checkpoints in a DynamoDB table that a second run resumes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from lambent.poll import PollOptions, run
from tests.poll._helpers import client, drain, read_log
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
