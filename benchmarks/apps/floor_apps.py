"""Hand-written floors: the least work each scenario needs, no framework."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

from benchmarks.apps.orders import Order, check
from benchmarks.apps.routes import HTTP_ROUTES, order_response

Handler = Callable[[Any, Any], Any]


def sqs_floor() -> Handler:
    """A plain loop of ``msgspec.json.decode`` over the runtime's dict."""
    decode = msgspec.json.Decoder(Order).decode

    def handler(event: dict[str, Any], context: Any) -> Any:
        failures: list[dict[str, str]] = []
        for record in event["Records"]:
            try:
                check(decode(record["body"]))
            except Exception:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    return handler


class _RawRecord(msgspec.Struct, gc=False):
    messageId: str
    body: str


class _RawEvent(msgspec.Struct, gc=False):
    Records: list[_RawRecord]


def sqs_raw_floor() -> Handler:
    """The raw floor: the event's *bytes* (as the Runtime API sends them) decoded into
    Structs, then each body; no dict is ever built."""
    decode_event = msgspec.json.Decoder(_RawEvent).decode
    decode = msgspec.json.Decoder(Order).decode

    def handler(raw: bytes, context: Any) -> Any:
        failures: list[dict[str, str]] = []
        for record in decode_event(raw).Records:
            try:
                check(decode(record.body))
            except Exception:
                failures.append({"itemIdentifier": record.messageId})
        return {"batchItemFailures": failures}

    return handler


def io_floor(delay: float, concurrency: int) -> Handler:
    """A hand-written worker pool: ``concurrency`` anyio tasks pulling records from one
    iterator, decoding, awaiting ``delay``, on an event loop kept across invocations."""
    import asyncio

    import anyio

    decode = msgspec.json.Decoder(Order).decode
    loop = asyncio.new_event_loop()

    async def run(event: dict[str, Any]) -> dict[str, Any]:
        pending = iter(event["Records"])
        failures: list[dict[str, str]] = []

        async def worker() -> None:
            for record in pending:
                try:
                    order = decode(record["body"])
                    await asyncio.sleep(delay)
                    check(order)
                except Exception:
                    failures.append({"itemIdentifier": record["messageId"]})

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
        return {"batchItemFailures": failures}

    def handler(event: dict[str, Any], context: Any) -> Any:
        return loop.run_until_complete(run(event))

    return handler


def http_floor(source: str) -> Handler:
    """A dict lookup on API Gateway's matched route and a ``json.dumps`` response."""
    table: dict[str, Callable[[dict[str, str]], Any]] = {}
    for method, path in HTTP_ROUTES:
        key = f"{method} {path}"
        if (method, path) == ("GET", "/orders/{order_id}"):
            table[key] = lambda params: order_response(params["order_id"])
        else:
            table[key] = lambda params, p=path: {"path": p}  # type: ignore[misc]
    rest = source == "apigw-rest"

    def handler(event: dict[str, Any], context: Any) -> Any:
        key = f"{event['httpMethod']} {event['resource']}" if rest else event["routeKey"]
        body = table[key](event.get("pathParameters") or {})
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body),
        }

    return handler
