"""The storage adapters on real AWS services, with aiobotocore (``pip install lambent[aws]``).

Imported only when ``ORDERS_BACKEND=aws``; the clients are made once per container
in the app's lifespan and closed when it ends. Resource names come from the
environment: ``ORDERS_QUEUE_URL``, ``ORDERS_TABLE``, ``ORDERS_BUS``.
"""

from __future__ import annotations

import os
import uuid
from contextlib import AsyncExitStack
from typing import Any

import msgspec

from examples.orders.models import Order
from examples.orders.stores import SOURCE, Backends


def _attribute(value: Any) -> dict[str, Any]:
    """A JSON-like value as a DynamoDB AttributeValue (what an Order holds: no sets)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _attribute(v) for k, v in value.items()}}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


class SqsQueue:
    def __init__(self, client: Any, url: str) -> None:
        self._client, self._url = client, url

    async def send(self, order: Order) -> str:
        reply = await self._client.send_message(
            QueueUrl=self._url,
            MessageBody=msgspec.json.encode(order).decode(),
            MessageGroupId=order.customer,
            MessageDeduplicationId=order.id,
        )
        message_id: str = reply["MessageId"]
        return message_id


class DynamoTable:
    def __init__(self, client: Any, name: str) -> None:
        self._client, self._name = client, name

    async def insert(self, order: Order) -> bool:
        item = {k: _attribute(v) for k, v in msgspec.to_builtins(order).items()}
        try:
            await self._client.put_item(
                TableName=self._name, Item=item, ConditionExpression="attribute_not_exists(id)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    async def get(self, order_id: str) -> Order | None:
        from lambent.sources.dynamodb import deserialize

        reply = await self._client.get_item(TableName=self._name, Key={"id": {"S": order_id}})
        item = reply.get("Item")
        return None if item is None else msgspec.convert(deserialize(item, numbers="int"), Order)

    async def scan(self) -> list[Order]:
        from lambent.sources.dynamodb import deserialize

        orders: list[Order] = []
        paginator = self._client.get_paginator("scan")
        async for page in paginator.paginate(TableName=self._name):
            for item in page["Items"]:
                orders.append(msgspec.convert(deserialize(item, numbers="int"), Order))
        return orders


class EventBridgeBus:
    def __init__(self, client: Any, bus: str) -> None:
        self._client, self._bus = client, bus

    async def publish(self, detail_type: str, detail: msgspec.Struct) -> str:
        entry = {
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": msgspec.json.encode(detail).decode(),
            "EventBusName": self._bus,
        }
        reply = await self._client.put_events(Entries=[entry])
        result = reply["Entries"][0]
        if "EventId" not in result:
            raise RuntimeError(f"EventBridge refused the event: {result.get('ErrorMessage')}")
        event_id: str = result["EventId"]
        return event_id


class S3Objects:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def get(self, bucket: str, key: str) -> bytes:
        reply = await self._client.get_object(Bucket=bucket, Key=key)
        async with reply["Body"] as body:
            data: bytes = await body.read()
        return data


async def open_backends(stack: AsyncExitStack) -> Backends:
    """Create the clients inside ``stack`` (closed when the lifespan ends)."""
    from aiobotocore.session import get_session

    session = get_session()

    async def client(service: str) -> Any:
        return await stack.enter_async_context(session.create_client(service))

    return Backends(
        queue=SqsQueue(await client("sqs"), os.environ["ORDERS_QUEUE_URL"]),
        table=DynamoTable(await client("dynamodb"), os.environ.get("ORDERS_TABLE", "orders")),
        bus=EventBridgeBus(await client("events"), os.environ.get("ORDERS_BUS", "default")),
        objects=S3Objects(await client("s3")),
        new_order_id=lambda: f"ord-{uuid.uuid4().hex[:12]}",
    )
