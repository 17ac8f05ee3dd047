"""moto's server for the AWS tests: started once per session on 127.0.0.1, through the
launcher that fixes moto's SQS faults (see ``moto_launcher``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.moto_server import FAKE_CREDENTIALS, use_fake_credentials

AWS_ENV = FAKE_CREDENTIALS


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
    use_fake_credentials(monkeypatch)


def boto(service: str, url: str) -> object:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="us-east-1")
