"""Starlette behind Mangum for the warm HTTP scenarios, written as their docs show.

Starlette has no typed request bodies: the ``PUT`` endpoint decodes its body with the
same ``msgspec`` decoder as lambent and the floor (the fastest validation on offer),
answers 422 when it does not validate, and encodes the summary with ``msgspec``.
Mangum runs with ``lifespan="off"`` (no startup events to serve).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mangum import Mangum
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from benchmarks.apps.routes import (
    GET_ORDER,
    HTTP_ROUTES,
    PUT_ORDER,
    order_response,
    other_response,
)

Endpoint = Callable[[Request], Awaitable[Response]]


def http_app(
    routes: tuple[tuple[str, str], ...] = HTTP_ROUTES, *, typed: bool = True
) -> Callable[[dict[str, Any], Any], Any]:
    """A Starlette app with ``routes`` (API Gateway's template syntax is Starlette's too)."""
    app = Starlette(routes=[Route(path, _endpoint(method, path, typed), methods=[method])
                            for method, path in routes])  # fmt: skip
    handler: Callable[[dict[str, Any], Any], Any] = Mangum(app, lifespan="off")
    return handler


def _endpoint(method: str, path: str, typed: bool) -> Endpoint:
    if (method, path) == GET_ORDER:

        async def get_order(request: Request) -> Response:
            return JSONResponse(order_response(request.path_params["order_id"]))

        return get_order
    if typed and (method, path) == PUT_ORDER:
        import msgspec

        from benchmarks.apps.orders import Order, summarize

        decode = msgspec.json.Decoder(Order).decode
        encode = msgspec.json.Encoder().encode

        async def put_order(request: Request) -> Response:
            try:
                order = decode(await request.body())
            except msgspec.ValidationError as exc:
                return JSONResponse({"message": str(exc)}, status_code=422)
            summary = summarize(request.path_params["order_id"], order)
            return Response(encode(summary), media_type="application/json")

        return put_order

    async def other(request: Request) -> Response:
        return JSONResponse(other_response(path))

    return other
