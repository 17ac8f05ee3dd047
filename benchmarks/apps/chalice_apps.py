"""Chalice for the warm HTTP scenarios, written as its docs show.

Chalice serves API Gateway REST events only (payload format 1.0), so it has no HTTP
API (2.0) column. It has no typed request bodies: the ``PUT`` view decodes the raw
body with the same ``msgspec`` decoder as lambent and the floor, raises Chalice's
422 error when it does not validate, and returns the summary as a dict (Chalice
encodes it with ``json.dumps``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, UnprocessableEntityError

from benchmarks.apps.routes import (
    GET_ORDER,
    HTTP_ROUTES,
    PUT_ORDER,
    order_response,
    other_response,
)


def http_app(routes: tuple[tuple[str, str], ...] = HTTP_ROUTES, *, typed: bool = True) -> Chalice:
    app = Chalice(app_name="bench")
    for method, path in routes:
        app.route(path, methods=[method])(_view(app, method, path, typed))
    return app


def _view(app: Chalice, method: str, path: str, typed: bool) -> Callable[..., Any]:
    if (method, path) == GET_ORDER:

        def get_order(order_id: str) -> dict[str, Any]:
            return order_response(order_id)

        return get_order
    if typed and (method, path) == PUT_ORDER:
        import msgspec

        from benchmarks.apps.orders import Order, summarize

        decode = msgspec.json.Decoder(Order).decode

        def put_order(order_id: str) -> dict[str, Any]:
            request = app.current_request
            assert request is not None  # set while a view runs
            try:
                order = decode(request.raw_body)
            except msgspec.ValidationError as exc:
                raise UnprocessableEntityError(str(exc)) from None
            result: dict[str, Any] = msgspec.to_builtins(summarize(order_id, order))
            return result

        return put_order

    def other(**params: str) -> dict[str, Any]:
        return other_response(path)

    return other
