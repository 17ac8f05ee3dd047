"""Keys in a DynamoDB table, on a warm aiobotocore client (extra ``aws``).

The table needs a string partition key (``id`` by default) and, to forget old keys
by itself, DynamoDB's TTL turned on for the ``expiration`` attribute. Per batch: one
``BatchGetItem`` per 100 keys, then per record that runs one conditional ``PutItem``
(the claim) and one ``PutItem`` (completed) or ``DeleteItem`` (released).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Collection, Mapping
from typing import Any

from lambent.idempotency._store import Entry

_BATCH_GET = 100


class DynamoDBStore:
    """An :class:`~lambent.idempotency.IdempotencyStore` in DynamoDB table ``table``.

    ``client``: an aiobotocore DynamoDB client to use; otherwise the warm client of
    :mod:`lambent.aws` for ``region`` / ``endpoint_url`` (and the usual AWS environment),
    made on first use and kept across invocations (``App(lifespan=lambent.aws.lifespan)``
    closes it at shutdown). ``keep``: seconds a completed key is remembered.
    """

    def __init__(
        self,
        table: str,
        *,
        key_attribute: str = "id",
        ttl_attribute: str = "expiration",
        keep: float = 3600.0,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.table = table
        self.key_attribute = key_attribute
        self.ttl_attribute = ttl_attribute
        self.keep = keep
        self.region = region
        self.endpoint_url = endpoint_url
        self._given = client
        #: DynamoDB calls made, by API operation
        self.calls: dict[str, int] = {
            "BatchGetItem": 0,
            "PutItem": 0,
            "DeleteItem": 0,
            "GetItem": 0,
        }

    def __repr__(self) -> str:
        return f"DynamoDBStore({self.table!r})"

    async def _client(self) -> Any:
        if self._given is not None:
            return self._given
        from lambent import aws  # the warm clients, made once per container

        return await aws.client("dynamodb", region=self.region, endpoint_url=self.endpoint_url)

    def _entry(self, item: Mapping[str, Any]) -> Entry:
        response = item.get("response")
        return Entry(
            key=item[self.key_attribute]["S"],
            status="completed" if item["status"]["S"] == "completed" else "in_progress",
            fingerprint=item["fingerprint"]["S"],
            expires_at=float(item["expires_at"]["N"]),
            token=item.get("token", {}).get("S", ""),
            response=None if response is None else bytes(response["B"]),
        )

    async def get_many(self, keys: Collection[str]) -> Mapping[str, Entry]:
        client = await self._client()
        found: dict[str, Entry] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), _BATCH_GET):
            request: dict[str, Any] = {
                self.table: {
                    "Keys": [
                        {self.key_attribute: {"S": k}} for k in wanted[start : start + _BATCH_GET]
                    ],
                    "ConsistentRead": True,
                }
            }
            while request:
                self.calls["BatchGetItem"] += 1
                answer = await client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    entry = self._entry(item)
                    found[entry.key] = entry
                request = answer.get("UnprocessedKeys") or {}
        return found

    def _item(
        self, key: str, status: str, fingerprint: str, token: str, expires_at: float
    ) -> dict[str, Any]:
        # the TTL attribute: DynamoDB deletes the item some time after this (whole seconds)
        forget = expires_at if status == "completed" else expires_at + self.keep
        return {
            self.key_attribute: {"S": key},
            "status": {"S": status},
            "fingerprint": {"S": fingerprint},
            "token": {"S": token},
            "expires_at": {"N": repr(float(expires_at))},
            self.ttl_attribute: {"N": str(math.ceil(forget))},
        }

    async def claim(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, now: float
    ) -> Entry | None:
        client = await self._client()
        self.calls["PutItem"] += 1
        try:
            await client.put_item(
                TableName=self.table,
                Item=self._item(key, "in_progress", fingerprint, token, expires_at),
                ConditionExpression="attribute_not_exists(#k) OR #e <= :now",
                ExpressionAttributeNames={"#k": self.key_attribute, "#e": "expires_at"},
                ExpressionAttributeValues={":now": {"N": repr(float(now))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as exc:
            item = exc.response.get("Item")
            if item is None:  # older services do not return it: read it
                self.calls["GetItem"] += 1
                got = await client.get_item(
                    TableName=self.table,
                    Key={self.key_attribute: {"S": key}},
                    ConsistentRead=True,
                )
                item = got.get("Item")
                if item is None:  # released in between: try once more
                    return await self.claim(
                        key, fingerprint=fingerprint, token=token, expires_at=expires_at, now=now
                    )
            return self._entry(item)
        return None

    async def complete(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, response: bytes | None
    ) -> None:
        client = await self._client()
        item = self._item(key, "completed", fingerprint, token, expires_at)
        if response is not None:
            item["response"] = {"B": response}
        self.calls["PutItem"] += 1
        await client.put_item(TableName=self.table, Item=item)

    async def release(self, key: str, *, token: str) -> None:
        client = await self._client()
        self.calls["DeleteItem"] += 1
        # a claim taken over after it expired fails the condition: the new holder's stays
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            await client.delete_item(
                TableName=self.table,
                Key={self.key_attribute: {"S": key}},
                ConditionExpression="#t = :t AND #s = :p",
                ExpressionAttributeNames={"#t": "token", "#s": "status"},
                ExpressionAttributeValues={":t": {"S": token}, ":p": {"S": "in_progress"}},
            )
