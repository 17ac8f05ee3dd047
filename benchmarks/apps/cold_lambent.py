"""A lambent handler module with ten SQS routes (importing it is the cold start)."""

from __future__ import annotations

from benchmarks.apps.orders import Order, check
from lambent import App

app = App()


def _add_route(queue: str) -> None:
    @app.sqs(queue)
    def on_order(order: Order) -> None:
        check(order)


for _i in range(10):
    _add_route(f"orders-{_i}")

handler = app.handler
