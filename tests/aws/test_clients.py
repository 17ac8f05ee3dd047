"""Warm clients: made once per container, injected by annotation, closed at shutdown."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Annotated, Any

import pytest

import lambent.aws as aws
from lambent import App, ConfigurationError
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext
from tests.aws.conftest import boto

pytestmark = pytest.mark.network


def sqs_event(body: str, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": "h",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads",
                "awsRegion": "us-east-1",
            }
        ]
    }


async def test_an_injected_client_is_made_once_and_reused(moto_url: str) -> None:
    s3: Any = boto("s3", moto_url)
    s3.create_bucket(Bucket="warm")
    seen: list[Any] = []
    aws.configure(endpoint_url=moto_url)
    try:
        app = App(lifespan=aws.lifespan)

        @app.sqs("uploads")
        async def store(body: dict[str, str], client: aws.S3, message: SQSMessage) -> None:
            seen.append(client)
            await client.put_object(
                Bucket="warm", Key=body["key"], Body=message.message_id.encode()
            )

        async with app.running():
            for n in range(3):
                event = sqs_event(json.dumps({"key": f"k{n}"}), f"m-{n}")
                assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
        assert len(seen) == 3 and seen[0] is seen[1] is seen[2]
        assert s3.get_object(Bucket="warm", Key="k2")["Body"].read() == b"m-2"
        # the lifespan closed it: the next client is a new one
        assert await aws.client("s3") is not seen[0]
        await aws.close()
    finally:
        aws.configure()


#: a client of another region than the default (us-east-1)
EuQueue = Annotated[Any, aws.Client("sqs", region="eu-west-1")]


async def test_settings_in_the_marker_override_the_defaults(moto_url: str) -> None:
    import boto3

    sqs: Any = boto3.client("sqs", endpoint_url=moto_url, region_name="eu-west-1")
    url = sqs.create_queue(QueueName="marker")["QueueUrl"]
    app = App()

    @app.sqs("uploads")
    async def forward(body: str, queue: EuQueue) -> None:
        await queue.send_message(QueueUrl=url, MessageBody=body)

    aws.configure(endpoint_url=moto_url)
    try:
        async with aws.clients():
            event = sqs_event(json.dumps("hello"))
            assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    finally:
        aws.configure()
    got = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in got] == ['"hello"']


def test_a_plain_def_handler_cannot_take_a_client() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="async def"):

        @app.sqs("uploads")
        def store(body: str, client: aws.S3) -> None: ...


def test_a_provided_parameter_is_shown_nowhere_else() -> None:
    app = App()

    @app.sqs("uploads")
    async def store(client: aws.S3, body: str) -> None: ...

    (route,) = list(app.routes)
    assert [p.name for p in route.plan.params] == ["body"]


def test_importing_lambent_aws_does_not_import_botocore() -> None:
    probe = "import sys, lambent.aws; print(any('botocore' in m for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
