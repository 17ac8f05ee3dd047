"""Fixtures for the local Lambda tests: servers on 127.0.0.1 (ports from the OS) and clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from lambent._local.model import AsyncPolicy, FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from tests.moto_server import use_fake_credentials

APPS = "tests.local.apps.handlers"
CLIENT_CONFIG = Config(
    retries={"max_attempts": 0, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=64,
)


def fn(name: str, attr: str | None = None, **options: Any) -> FunctionConfig:
    """A function running ``tests.local.apps.handlers:<attr>`` (``attr`` defaults to ``name``)."""
    policy = options.pop("policy", None) or AsyncPolicy(time_scale=0.001)
    target = options.pop("target", None) or f"{APPS}:{attr or name}"
    return FunctionConfig(name=name, target=target, policy=policy, **options)


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch, AWS_SESSION_TOKEN="testing")


StartServer = Callable[..., ServerThread]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """``start_server([configs], **options)`` serves them until the test ends."""
    running: list[ServerThread] = []

    def start(configs: list[FunctionConfig], **options: Any) -> ServerThread:
        options.setdefault("shutdown_timeout", 10.0)
        thread = ServerThread(LocalLambda(configs, **options))
        thread.__enter__()
        running.append(thread)
        return thread

    yield start
    for thread in reversed(running):
        thread.__exit__(None, None, None)


def lambda_client(url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=CLIENT_CONFIG,
    )
