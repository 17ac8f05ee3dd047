"""Where Event invocations end (lambent._local.destinations, LAMBDA.md §2.2): the record
Lambda sends, the destination each command-line form names, what the file and function
destinations do with a record, and an on-failure destination that is a real SQS queue on
a moto server."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambent._local.destinations import (
    AwsClients,
    AwsDestination,
    FileDestination,
    LambdaDestination,
    destination_record,
    parse_destination,
)
from lambent._local.model import AsyncPolicy, FunctionConfig, Invocation, InvocationResult
from tests.local.conftest import StartServer, fn, lambda_client
from tests.moto_server import moto_server

CONFIG = FunctionConfig(name="orders", target="m:h")
INVOCATION = Invocation(function="orders", payload=b'{"id": 7}', invoked_arn=CONFIG.arn)


def test_a_record_says_what_lambda_says_of_the_invocation() -> None:
    result = InvocationResult(b'{"errorMessage": "no"}', function_error="Unhandled")
    record = destination_record(CONFIG, INVOCATION, result, "RetriesExhausted", 3)
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z") and len(record["timestamp"]) == 24
    assert record["requestContext"] == {
        "requestId": INVOCATION.request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"id": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"] == {"errorMessage": "no"}


def test_a_record_of_a_success_has_no_error_and_one_never_run_no_response() -> None:
    ok = destination_record(CONFIG, INVOCATION, InvocationResult(b"ok?"), "Success", 1)
    assert ok["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert ok["responsePayload"] == "ok?"  # not JSON: kept as its text
    too_old = destination_record(CONFIG, INVOCATION, None, "EventAgeExceeded", 0)
    assert "responseContext" not in too_old and "responsePayload" not in too_old
    assert too_old["requestContext"]["functionArn"].endswith(":function:orders:$LATEST")


@pytest.mark.parametrize(
    ("spec", "kind", "service", "region"),
    [
        ("arn:aws:sqs:eu-west-1:123456789012:dead", AwsDestination, "sqs", "eu-west-1"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/dead", AwsDestination, "sqs",
         "us-west-2"),
        ("arn:aws:sns:us-east-1:123456789012:alerts", AwsDestination, "sns", "us-east-1"),
        ("arn:aws:events:us-east-1:123456789012:event-bus/default", AwsDestination, "events",
         "us-east-1"),
        ("arn:aws:lambda:us-east-1:123456789012:function:audit", LambdaDestination, None, None),
        ("out/failures.jsonl", FileDestination, None, None),
    ],
)  # fmt: skip
def test_each_command_line_form_names_its_destination(
    spec: str, kind: type, service: str | None, region: str | None
) -> None:
    found = parse_destination(spec, AwsClients(AsyncExitStack(), None), _no_submit, "us-west-2")
    assert type(found) is kind and found.description == spec
    if isinstance(found, AwsDestination):
        assert (found.service, found.region) == (service, region)


def _no_submit(name: str, payload: bytes) -> None:
    raise AssertionError("nothing is invoked when a destination is named")


@pytest.mark.parametrize("spec", ["arn:aws:s3:::bucket", "arn:aws:dynamodb:us-east-1:1:table/t"])
def test_an_arn_of_a_service_lambda_cannot_send_to_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=f"unsupported destination: {re.escape(spec)}$"):
        parse_destination(spec, AwsClients(AsyncExitStack(), None), _no_submit)


async def test_a_file_destination_appends_one_json_line_per_record(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    destination = FileDestination(str(path))
    await destination.send({"n": 1, "text": "café"})
    await destination.send({"n": 2})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [{"n": 1, "text": "café"}, {"n": 2}]
    assert "café" in lines[0]  # UTF-8 as it is, not escaped


async def test_a_function_destination_invokes_it_with_the_record() -> None:
    sent: list[tuple[str, bytes]] = []
    spec = "arn:aws:lambda:us-east-1:123456789012:function:audit"
    destination = parse_destination(
        spec, AwsClients(AsyncExitStack(), None), lambda name, body: sent.append((name, body))
    )
    await destination.send({"condition": "Success"})
    assert [(name, json.loads(body)) for name, body in sent] == [
        ("audit", {"condition": "Success"})
    ]


@pytest.fixture
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _receive(sqs: Any, queue_url: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)
        if found.get("Messages"):
            return dict(found["Messages"][0])
    raise AssertionError("no message reached the destination queue")


@pytest.mark.network
def test_failure_record_lands_in_a_real_sqs_queue(start_server: StartServer, moto_url: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="dead-letters")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = AsyncPolicy(max_retries=1, time_scale=0.001, on_failure=arn)
    server = start_server([fn("fail", policy=policy)], aws_endpoint_url=moto_url)
    response = lambda_client(server.url).invoke(
        FunctionName="fail", InvocationType="Event", Payload=b'{"why": "sqs"}'
    )
    record = json.loads(_receive(sqs, queue_url)["Body"])
    assert record["requestContext"] == {
        "requestId": response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"],
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:fail:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 2,
    }
    assert record["requestPayload"] == {"why": "sqs"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "bad event: sqs"
