"""The aiobotocore adapters of examples/orders against moto's AWS API server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from examples.orders.models import NewOrder, Order, OrderLine, OrderPlaced
from examples.orders.stores import Backends
from tests.moto_server import moto_server, use_fake_credentials

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
async def backends(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Backends]:
    use_fake_credentials(monkeypatch, AWS_ENDPOINT_URL=moto_endpoint)
    import boto3

    sqs: Any = boto3.client("sqs", endpoint_url=moto_endpoint)
    url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dynamodb: Any = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    if "orders" not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    s3: Any = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket="order-imports")
    s3.put_object(Bucket="order-imports", Key="batches/a.jsonl", Body=b"{}")
    monkeypatch.setenv("ORDERS_QUEUE_URL", url)
    from examples.orders.aws import open_backends

    async with AsyncExitStack() as stack:
        yield await open_backends(stack)


async def test_aws_adapters_round_trip(backends: Backends) -> None:
    new = NewOrder("alice", [OrderLine("LAMP-01", 2, 4900)])
    order = Order.accept(new, backends.new_order_id(), datetime(2024, 6, 1, tzinfo=UTC))
    assert await backends.queue.send(order)
    assert await backends.table.insert(order) is True
    assert await backends.table.insert(order) is False  # conditional put: stored once
    assert await backends.table.get(order.id) == order
    assert order in await backends.table.scan()
    placed = OrderPlaced(order.id, order.customer, order.total, 2, order.placed_at)
    assert await backends.bus.publish("OrderPlaced", placed)
    assert await backends.objects.get("order-imports", "batches/a.jsonl") == b"{}"
