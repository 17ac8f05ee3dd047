"""``lambent poll``: a user's mistake is one line on stderr and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.aws.conftest import AWS_ENV

pytestmark = pytest.mark.network


def poll(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambent", "poll", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **AWS_ENV, **(env or {})},
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lambent poll: ") and "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def queue(moto_url: str) -> str:
    sqs: Any = boto3.client(
        "sqs",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return str(sqs.create_queue(QueueName="cli-jobs")["QueueUrl"])


def test_a_queue_that_does_not_exist(moto_url: str) -> None:
    missing = moto_url + "/123456789012/no-such-queue"
    result = poll("tests.poll.apps.recorder:app", missing, "--endpoint-url", moto_url)
    assert_one_line(result, "no-such-queue", "does not exist")


def test_a_wrong_region(moto_url: str, queue: str) -> None:
    arn = "arn:aws:sqs:eu-west-3:123456789012:cli-jobs"
    result = poll("tests.poll.apps.recorder:app", arn, "--endpoint-url", moto_url)
    assert_one_line(result, "does not exist in region eu-west-3")


def test_an_app_without_a_route_for_the_source(moto_url: str, queue: str) -> None:
    result = poll("tests.poll.apps.recorder:empty", queue, "--endpoint-url", moto_url)
    assert_one_line(result, "no route", "app.sqs('cli-jobs')")


def test_a_source_that_is_not_a_queue_or_stream() -> None:
    assert_one_line(poll("tests.poll.apps.recorder:app", "arn:aws:s3:::bucket"), "not an SQS queue")


def test_options_lambda_would_refuse(queue: str) -> None:
    result = poll("tests.poll.apps.recorder:app", queue, "--max-record-age", "30")
    assert_one_line(result, "maximum record age")


def test_an_endpoint_that_is_not_a_url(queue: str) -> None:
    result = poll("tests.poll.apps.recorder:app", queue, "--endpoint-url", "localhost:5000")
    assert_one_line(result, "endpoint URL must be http(s)://HOST[:PORT]", "'localhost:5000'")


def test_a_batch_size_the_queue_refuses_without_a_window(queue: str) -> None:
    result = poll("tests.poll.apps.recorder:app", queue, "--batch-size", "50")
    assert_one_line(result, "batching window of at least 1 second", "--window 1")


def test_an_app_that_does_not_exist(queue: str) -> None:
    assert_one_line(poll("tests.poll.apps.recorder:nope", queue), "nope")


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[str]:
    """A second moto that checks IAM (after the first three calls, which set it up)."""
    from tests.aws.moto_launcher import start

    proc, url = start({**AWS_ENV, "INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_missing_permissions(iam_moto: str) -> None:
    sqs: Any = boto3.client("sqs", endpoint_url=iam_moto, region_name="us-east-1")
    url = sqs.create_queue(QueueName="locked")["QueueUrl"]
    iam: Any = boto3.client("iam", endpoint_url=iam_moto, region_name="us-east-1")
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    result = poll("tests.poll.apps.recorder:app", url, "--endpoint-url", iam_moto, env=env)
    assert_one_line(result, "not allowed", "sqs:ReceiveMessage")
