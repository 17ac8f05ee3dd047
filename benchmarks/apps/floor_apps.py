"""Hand-written floors: the least work each scenario needs, no framework."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import msgspec

from benchmarks.apps.orders import Order, check, summarize
from benchmarks.apps.routes import (
    GET_ORDER,
    HTTP_ROUTES,
    PUT_ORDER,
    order_response,
    other_response,
)

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


def http_floor(
    source: str, routes: tuple[tuple[str, str], ...] = HTTP_ROUTES, *, typed: bool = True
) -> Handler:
    """A dict lookup on API Gateway's matched route; ``msgspec`` decodes the typed body
    and encodes every answer."""
    decode_order = msgspec.json.Decoder(Order).decode
    encode = msgspec.json.Encoder().encode

    def get_order(params: dict[str, str], body: bytes | None) -> Any:
        return order_response(params["order_id"])

    def put_order(params: dict[str, str], body: bytes | None) -> Any:
        return summarize(params["order_id"], decode_order(body or b""))

    table: dict[str, Callable[[dict[str, str], bytes | None], Any]] = {}
    for method, path in routes:

        def other(params: dict[str, str], body: bytes | None, p: str = path) -> Any:
            return other_response(p)

        table[f"{method} {path}"] = (
            get_order if (method, path) == GET_ORDER
            else put_order if typed and (method, path) == PUT_ORDER
            else other
        )  # fmt: skip
    rest = source == "apigw-rest"

    def handler(event: dict[str, Any], context: Any) -> Any:
        key = f"{event['httpMethod']} {event['resource']}" if rest else event["routeKey"]
        body = event.get("body")
        raw = None
        if body is not None:
            raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        try:
            answer = table[key](event.get("pathParameters") or {}, raw)
        except msgspec.ValidationError as exc:
            return _json(422, encode({"message": str(exc)}))
        return _json(200, encode(answer))

    return handler


def _json(status: int, body: bytes) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": body.decode(),
        "isBase64Encoded": False,
    }
