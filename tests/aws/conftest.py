"""moto's server for the AWS tests: started once per session on 127.0.0.1, through the
launcher that fixes moto's SQS faults (see ``moto_launcher``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def start_moto() -> tuple[subprocess.Popen[str], str]:
    """A launcher subprocess and its endpoint URL."""
    from tests.aws.moto_launcher import start

    return start(AWS_ENV)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    proc, url = start_moto()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)


def boto(service: str, url: str) -> object:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="us-east-1")
