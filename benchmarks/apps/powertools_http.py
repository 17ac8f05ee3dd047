"""Powertools' event handler for the HTTP scenarios, written as its documentation shows.

With ``typed``, data validation is on (``enable_validation=True``): pydantic parses
the typed body of ``PUT /orders/{order_id}`` and serializes the returned model.
Without it (the plain cold-start app) validation is off, which is Powertools' default.
No ``from __future__ import annotations`` here: Powertools reads the handlers'
annotations, and the typed handler's models are imported only when asked for.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver

from benchmarks.apps.routes import (
    GET_ORDER,
    HTTP_ROUTES,
    PUT_ORDER,
    order_response,
    other_response,
    powertools_path,
)

Handler = Callable[[dict[str, Any], Any], Any]


def http_app(
    source: str, routes: tuple[tuple[str, str], ...] = HTTP_ROUTES, *, typed: bool = True
) -> Handler:
    """A REST or HTTP API resolver with ``routes``."""
    resolver = APIGatewayRestResolver if source == "apigw-rest" else APIGatewayHttpResolver
    api = resolver(enable_validation=typed)
    for method, path in routes:
        api.route(powertools_path(path), method)(_endpoint(method, path, typed))

    def handler(event: dict[str, Any], context: Any) -> Any:
        return api.resolve(event, context)

    return handler


def _endpoint(method: str, path: str, typed: bool) -> Callable[..., Any]:
    if (method, path) == GET_ORDER:

        def get_order(order_id: str) -> dict[str, Any]:
            return order_response(order_id)

        return get_order
    if typed and (method, path) == PUT_ORDER:
        from benchmarks.apps.orders_pydantic import OrderModel, OrderSummaryModel, summarize

        def put_order(order_id: str, order: OrderModel) -> OrderSummaryModel:
            return summarize(order_id, order)

        return put_order

    def other(**params: str) -> dict[str, Any]:
        return other_response(path)

    return other
