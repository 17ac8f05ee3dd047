"""lambent apps for the warm scenarios, written as a user would write them."""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.apps.orders import Order, check
from benchmarks.apps.routes import HTTP_ROUTES, order_response
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


def http_app() -> App:
    """Twenty routes; the benchmark calls ``GET /orders/{order_id}``."""
    app = App()
    for method, path in HTTP_ROUTES:
        app.route(path, (method,))(_endpoint(path))
    return app


def _endpoint(path: str) -> Any:
    if path == "/orders/{order_id}":

        def get_order(order_id: str) -> dict[str, Any]:
            return order_response(order_id)

        return get_order

    def other() -> dict[str, Any]:
        return {"path": path}

    return other
