"""lambent apps for the warm scenarios, written as a user would write them."""

from __future__ import annotations

from typing import Any

from benchmarks.apps.orders import Order, OrderSummary, check, summarize
from benchmarks.apps.routes import (
    GET_ORDER,
    HTTP_ROUTES,
    PUT_ORDER,
    order_response,
    other_response,
)
from lambent import App


def sqs_app() -> App:
    """A sync handler taking the order Struct (runs inline, as a loop would)."""
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        check(order)

    return app


def io_app(delay: float, concurrency: int) -> App:
    """Async handlers that await ``delay`` seconds, on any queue and any stream."""
    import asyncio

    app = App(concurrency=concurrency)

    @app.sqs()
    async def on_order(order: Order) -> None:
        await asyncio.sleep(delay)
        check(order)

    @app.kinesis()
    async def on_event(order: Order) -> None:
        await asyncio.sleep(delay)
        check(order)

    return app


def http_app(routes: tuple[tuple[str, str], ...] = HTTP_ROUTES, *, typed: bool = True) -> App:
    """``routes``; ``PUT /orders/{order_id}`` takes a typed order when ``typed``."""
    app = App()
    for method, path in routes:
        app.route(path, (method,))(_endpoint(method, path, typed))
    return app


def _endpoint(method: str, path: str, typed: bool) -> Any:
    if (method, path) == GET_ORDER:

        def get_order(order_id: str) -> dict[str, Any]:
            return order_response(order_id)

        return get_order
    if typed and (method, path) == PUT_ORDER:

        def put_order(order_id: str, order: Order) -> OrderSummary:
            return summarize(order_id, order)

        return put_order

    def other() -> dict[str, Any]:
        return other_response(path)

    return other
