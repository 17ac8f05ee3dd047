"""DynamoDBStore's own choices (lambent.idempotency._dynamodb), against moto's server on
127.0.0.1: the items it writes (key and TTL attribute names, when DynamoDB may forget a
key), one BatchGetItem per 100 keys, and a claim released only by its holder. The store
protocol both stores share is in test_store.py."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import lambent.aws
from lambent import ConfigurationError
from lambent.idempotency import DynamoDBStore, IdempotencyError

pytestmark = pytest.mark.network


@pytest.fixture
async def custom(moto_endpoint: str, aws_env: None) -> AsyncIterator[tuple[DynamoDBStore, Any]]:
    """A store on a table keyed by ``pk`` with TTL on ``forget_at``, and a boto3 client."""
    import boto3

    client: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    name = f"idempotency-custom-{time.monotonic_ns()}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    store = DynamoDBStore(
        name,
        key_attribute="pk",
        ttl_attribute="forget_at",
        keep=100.0,
        endpoint_url=moto_endpoint,
        region="us-east-1",
    )
    yield store, client
    await lambent.aws.close()


def _item(client: Any, store: DynamoDBStore, key: str) -> dict[str, Any]:
    got = client.get_item(TableName=store.table, Key={"pk": {"S": key}}, ConsistentRead=True)
    item: dict[str, Any] = got["Item"]
    return item


async def test_items_use_the_named_attributes_and_a_ttl_that_outlives_a_claim(
    custom: tuple[DynamoDBStore, Any],
) -> None:
    store, client = custom
    now = time.time()
    until = now + 30.25
    assert await store.claim("k", fingerprint="f", token="t", expires_at=until, now=now) is None
    claimed = _item(client, store, "k")
    assert claimed["status"] == {"S": "in_progress"} and claimed["token"] == {"S": "t"}
    # a claim's item stays `keep` seconds beyond its expiry: the key is not forgotten mid-run
    assert claimed["forget_at"] == {"N": str(math.ceil(until + 100.0))}
    await store.complete("k", fingerprint="f", token="t", expires_at=until, response=b"\x00r")
    done = _item(client, store, "k")
    assert done["status"] == {"S": "completed"} and bytes(done["response"]["B"]) == b"\x00r"
    assert done["forget_at"] == {"N": str(math.ceil(until))}
    (entry,) = (await store.get_many(["k"])).values()
    assert (entry.key, entry.response, entry.expires_at) == ("k", b"\x00r", until)
    assert repr(store) == f"DynamoDBStore({store.table!r})"


async def test_one_batch_get_per_hundred_keys(custom: tuple[DynamoDBStore, Any]) -> None:
    store, _ = custom
    now = time.time()
    await store.claim("key-150", fingerprint="f", token="t", expires_at=now + 30, now=now)
    before = store.calls["BatchGetItem"]
    found = await store.get_many([f"key-{i}" for i in range(201)])
    assert list(found) == ["key-150"]
    assert store.calls["BatchGetItem"] - before == 3
    assert await store.get_many([]) == {} and store.calls["BatchGetItem"] - before == 3


async def test_only_the_holder_releases_and_a_completed_key_stays(
    custom: tuple[DynamoDBStore, Any],
) -> None:
    store, client = custom
    now = time.time()
    await store.claim("held", fingerprint="f", token="mine", expires_at=now + 30, now=now)
    await store.release("held", token="someone else's")
    assert _item(client, store, "held")["token"] == {"S": "mine"}
    await store.complete("held", fingerprint="f", token="mine", expires_at=now + 30, response=None)
    await store.release("held", token="mine")  # too late: the key is done
    done = _item(client, store, "held")
    assert done["status"] == {"S": "completed"} and "response" not in done


def _new_table(client: Any, key: str, kind: str) -> str:
    name = f"idempotency-schema-{time.monotonic_ns()}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": kind}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _app(store: DynamoDBStore, key: Any = None) -> Any:
    from lambent import App

    app = App(idempotency=store)
    if key is None:

        @app.sqs("orders", idempotent=True)
        async def ship(order: dict[str, int]) -> None:
            pass

    else:

        @app.sqs("orders", idempotency_key=key)
        async def place(order: dict[str, int]) -> None:
            pass

    return app


async def test_a_missing_table_is_an_idempotency_error_saying_what_to_create(
    moto_endpoint: str, aws_env: None
) -> None:
    from lambent.testing import FakeContext, sqs_event

    store = DynamoDBStore("no-such-table", endpoint_url=moto_endpoint, region="us-east-1")
    app = _app(store)
    try:
        with pytest.raises(IdempotencyError) as raised:
            await app.dispatch(sqs_event({"n": 1}, queue="orders"), FakeContext())
    finally:
        await lambent.aws.close()
    message = str(raised.value)
    assert "'no-such-table' does not exist" in message
    assert "string partition key 'id'" in message and "'expiration'" in message


@pytest.mark.parametrize(
    ("key", "kind", "found"), [("pk", "S", "pk (HASH, type S)"), ("id", "N", "id (HASH, type N)")]
)
async def test_a_table_keyed_otherwise_is_an_idempotency_error_naming_both_keys(
    moto_endpoint: str, aws_env: None, key: str, kind: str, found: str
) -> None:
    import boto3

    client: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    name = _new_table(client, key, kind)
    store = DynamoDBStore(name, endpoint_url=moto_endpoint, region="us-east-1")
    now = time.time()
    try:
        with pytest.raises(IdempotencyError) as raised:
            await store.claim("k", fingerprint="", token="t", expires_at=now + 9, now=now)
    finally:
        await lambent.aws.close()
    assert f"{name!r} is keyed by {found}" in str(raised.value)
    assert "needs a string partition key 'id'" in str(raised.value)


@pytest.mark.parametrize("made", ["x" * 3000, "\ud800"])
async def test_a_key_dynamodb_cannot_store_fails_its_record_alone(
    dynamodb_store: DynamoDBStore, made: str
) -> None:
    from lambent.testing import FakeContext, sqs_event

    app = _app(dynamodb_store, lambda order: made if order["n"] == 1 else order["n"])
    event = sqs_event({"n": 1}, {"n": 2}, queue="orders")
    answer = await app.dispatch(event, FakeContext())
    failed = [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    assert failed == [event["Records"][0]["messageId"]]
    assert dynamodb_store.calls["BatchGetItem"] == 1  # the other key was read
    # refused before any write: only the other record's claim and completion were sent
    assert dynamodb_store.calls["PutItem"] == 2


@pytest.mark.parametrize(
    "options",
    [
        {"keep": 0},
        {"keep": -5},
        {"keep": float("nan")},
        {"keep": "1h"},
        {"table": ""},
        {"key_attribute": ""},
    ],
)
def test_options_out_of_range_are_refused_when_made(options: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"table": "t", **options}
    with pytest.raises(ConfigurationError, match="DynamoDBStore: "):
        DynamoDBStore(**arguments)


async def test_a_boto3_client_is_an_idempotency_error_asking_for_an_async_one(
    table: str, moto_endpoint: str
) -> None:
    import boto3

    client: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    store = DynamoDBStore(table, client=client)
    with pytest.raises(
        IdempotencyError, match="blocked the event loop: give an aiobotocore client"
    ):
        await store.get_many(["k"])


def test_a_boto3_client_on_a_missing_table_says_both_out_of_app_handler(
    moto_endpoint: str, aws_env: None
) -> None:
    """Through the synchronous entry: no botocore ClientError, but the client to give
    (boto3's would block every call) and the table to create, in one error. (The store's
    own aiobotocore client on a missing table: the test further up.)"""
    import boto3

    from lambent.testing import FakeContext, sqs_event

    client: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    app = _app(DynamoDBStore("no-such-orders", client=client))
    with pytest.raises(IdempotencyError) as raised:
        app.handler(sqs_event({"n": 1}, queue="orders"), FakeContext())
    message = str(raised.value)
    assert "batch_get_item ran without being awaited" in message
    assert "give an aiobotocore client" in message
    assert "DynamoDB table 'no-such-orders' does not exist" in message
    assert "KeySchema [{AttributeName: id, KeyType: HASH}]" in message
