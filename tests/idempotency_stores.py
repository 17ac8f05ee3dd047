"""Idempotency stores for tests (a pytest plugin, loaded by tests/conftest.py): DynamoDB
through moto's server on 127.0.0.1, and a store of each kind, shared by tests/idempotency/
and tests/http/test_idempotency.py."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import lambent.aws
from lambent.idempotency import DynamoDBStore, IdempotencyStore, MemoryStore
from tests.moto_server import moto_server, use_fake_credentials

_tables = itertools.count()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch)


@pytest.fixture
def table(moto_endpoint: str, aws_env: None) -> str:
    """A new idempotency table (id: S, TTL on expiration)."""
    import boto3

    name = f"idempotency-{next(_tables)}"
    client: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
    return name


@pytest.fixture
async def dynamodb_store(table: str, moto_endpoint: str) -> AsyncIterator[DynamoDBStore]:
    store = DynamoDBStore(table, endpoint_url=moto_endpoint, region="us-east-1")
    yield store
    await lambent.aws.close()  # the warm clients of this test's event loop


@pytest.fixture(params=["memory", "dynamodb"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[IdempotencyStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    endpoint = request.getfixturevalue("moto_endpoint")
    dynamodb = DynamoDBStore(request.getfixturevalue("table"), endpoint_url=endpoint)
    yield dynamodb
    await lambent.aws.close()
