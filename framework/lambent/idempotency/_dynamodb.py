"""Keys in a DynamoDB table, on a warm aiobotocore client (extra ``aws``).

The table needs a string partition key (``id`` by default) and, to forget old keys
by itself, DynamoDB's TTL turned on for the ``expiration`` attribute. Per batch: one
``BatchGetItem`` per 100 keys, then per record that runs one conditional ``PutItem``
(the claim) and one ``PutItem`` (completed) or ``DeleteItem`` (released).

A table that is missing or keyed otherwise is an :class:`IdempotencyError` naming the
table and the key it needs, at the first call that meets it (the table is described
only then, so a healthy table costs nothing more); a key DynamoDB cannot store (over
2,048 bytes of UTF-8, or a lone surrogate) fails its record alone, saying so.
"""

from __future__ import annotations

import contextlib
import inspect
import math
from collections.abc import Collection, Mapping
from typing import Any

from lambent._errors import ConfigurationError, describe
from lambent.idempotency._guard import IdempotencyError
from lambent.idempotency._store import Entry, checked_keep

_BATCH_GET = 100
#: DynamoDB's limit on a partition key's value (bytes of UTF-8)
MAX_KEY_BYTES = 2048
#: the errors DynamoDB answers for a missing table or a key of another schema
_TABLE_ERRORS = frozenset({"ResourceNotFoundException", "ValidationException"})
_SNAKE = {
    "BatchGetItem": "batch_get_item",
    "PutItem": "put_item",
    "DeleteItem": "delete_item",
    "GetItem": "get_item",
}


def _unstorable(key: str) -> str | None:
    """Why DynamoDB cannot store ``key`` as a partition key, or None."""
    try:
        size = len(key.encode())
    except UnicodeEncodeError:
        return "it holds a lone surrogate, which is not valid UTF-8"
    if size > MAX_KEY_BYTES:
        return f"it is {size} bytes of UTF-8, more than DynamoDB's {MAX_KEY_BYTES} for a key"
    return None


def _code(exc: BaseException | None) -> str | None:
    """The error code of a botocore ``ClientError`` (None for any other exception)."""
    error = getattr(exc, "response", None)
    code = error.get("Error", {}).get("Code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def _name(what: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"DynamoDBStore: {what} must be a non-empty string, got {value!r}")
    return value


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
        self.table = _name("table", table)
        self.key_attribute = _name("key_attribute", key_attribute)
        self.ttl_attribute = _name("ttl_attribute", ttl_attribute)
        self.keep = checked_keep("DynamoDBStore", keep)
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

    def _needs(self) -> str:
        attribute = self.key_attribute
        return (
            f"a string partition key {attribute!r} and no sort key (KeySchema "
            f"[{{AttributeName: {attribute}, KeyType: HASH}}], AttributeDefinitions "
            f"[{{AttributeName: {attribute}, AttributeType: S}}]), with time to live on "
            f"{self.ttl_attribute!r}"
        )

    async def _call(self, client: Any, operation: str, key: str, **request: Any) -> Any:
        """``client.<operation>(**request)``; a missing table, or one keyed otherwise, is
        an :class:`IdempotencyError` saying what table to create, as is a client whose
        calls block (boto3's)."""
        self.calls[operation] += 1
        method = getattr(client, _SNAKE[operation])
        try:
            answer = method(**request)
        except Exception as exc:  # it ran before any await: boto3's client, which blocks
            raise self._blocking(operation, key, exc) from exc
        if not inspect.isawaitable(answer):  # boto3's client: it blocked the loop
            raise self._blocking(operation, key, None)
        try:
            return await answer
        except Exception as exc:
            if _code(exc) not in _TABLE_ERRORS:
                raise
            explained = await self._explain(client, key)
            if explained is None:
                raise
            raise explained from exc

    def _blocking(self, operation: str, key: str, failed: Exception | None) -> IdempotencyError:
        """The error of a client whose calls block, with what DynamoDB answered it."""
        said = ""
        if _code(failed) == "ResourceNotFoundException":
            said = f"; the table is missing too: {self._missing()}"
        elif failed is not None:
            said = f"; its call failed: {describe(failed)}"
        return IdempotencyError(
            f"DynamoDBStore(client=...): {_SNAKE[operation]} ran without being awaited, so it "
            "blocked the event loop: give an aiobotocore client (async with "
            "get_session().create_client('dynamodb') as client), not boto3's, or leave "
            f"client out{said}",
            key,
        )

    def _missing(self) -> str:
        return (
            f"DynamoDB table {self.table!r} does not exist (or is in another region or "
            f"account): create it with {self._needs()}"
        )

    async def _explain(self, client: Any, key: str) -> IdempotencyError | None:
        """What is wrong with the table (described once a call failed), or None."""
        try:
            described = (await client.describe_table(TableName=self.table))["Table"]
        except Exception as exc:
            if _code(exc) == "ResourceNotFoundException":
                return IdempotencyError(self._missing(), key)
            return None  # no DescribeTable permission, or another failure: AWS's error
        schema = [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]]
        types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
        if schema == [(self.key_attribute, "HASH")] and types.get(self.key_attribute) == "S":
            return None
        found = ", ".join(f"{name} ({kind}, type {types.get(name)})" for name, kind in schema)
        return IdempotencyError(
            f"DynamoDB table {self.table!r} is keyed by {found}; DynamoDBStore needs "
            f"{self._needs()} (or key_attribute= naming the table's string partition key)",
            key,
        )

    def _storable(self, key: str) -> None:
        reason = _unstorable(key)
        if reason is not None:
            shown = key if len(key) <= 80 else key[:77] + "..."
            raise IdempotencyError(
                f"idempotency key {shown!r} cannot be stored in DynamoDB table "
                f"{self.table!r}: {reason}; make idempotency_key return text DynamoDB "
                "can store (a hash of the value, for instance)",
                key,
            )

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
        wanted = [k for k in keys if _unstorable(k) is None]  # the rest cannot be stored
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
                answer = await self._call(
                    client, "BatchGetItem", wanted[start], RequestItems=request
                )
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
        self._storable(key)
        client = await self._client()
        try:
            await self._call(
                client,
                "PutItem",
                key,
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
                got = await self._call(
                    client,
                    "GetItem",
                    key,
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
        await self._call(client, "PutItem", key, TableName=self.table, Item=item)

    async def release(self, key: str, *, token: str) -> None:
        client = await self._client()
        # a claim taken over after it expired fails the condition: the new holder's stays
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            await self._call(
                client,
                "DeleteItem",
                key,
                TableName=self.table,
                Key={self.key_attribute: {"S": key}},
                ConditionExpression="#t = :t AND #s = :p",
                ExpressionAttributeNames={"#t": "token", "#s": "status"},
                ExpressionAttributeValues={":t": {"S": token}, ":p": {"S": "in_progress"}},
            )
