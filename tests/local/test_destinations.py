"""An on-failure destination that is a real SQS queue, on a moto server (LAMBDA.md §2.2)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lambent._local.model import AsyncPolicy
from tests.local.conftest import StartServer, fn, lambda_client
from tests.moto_server import moto_server

pytestmark = pytest.mark.network


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
