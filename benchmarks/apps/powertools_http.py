"""Powertools' event handler for the HTTP scenarios, written as its documentation shows.

``PUT /orders/{order_id}`` takes a typed order in one of two ways:

* by default, the handler validates the body with the pydantic model itself
  (``OrderModel.model_validate_json``, 422 when it does not validate) and returns
  the summary as a dict, which the resolver encodes: the same work as lambent;
* with ``validation=True``, Powertools' data validation (``enable_validation=True``)
  parses the body into the model parameter, validates path parameters and the
  returned model, and serializes it.

Without ``typed`` (the plain cold-start app), every handler is plain. No
``from __future__ import annotations`` here: Powertools reads the handlers'
annotations, and the models are imported only when asked for.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
)
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

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
    source: str,
    routes: tuple[tuple[str, str], ...] = HTTP_ROUTES,
    *,
    typed: bool = True,
    validation: bool = False,
) -> Handler:
    """A REST or HTTP API resolver with ``routes``."""
    resolver = APIGatewayRestResolver if source == "apigw-rest" else APIGatewayHttpResolver
    api = resolver(enable_validation=validation)
    for method, path in routes:
        api.route(powertools_path(path), method)(_endpoint(api, method, path, typed, validation))

    def handler(event: dict[str, Any], context: Any) -> Any:
        return api.resolve(event, context)

    return handler


def _endpoint(
    api: ApiGatewayResolver, method: str, path: str, typed: bool, validation: bool
) -> Callable[..., Any]:
    if (method, path) == GET_ORDER:

        def get_order(order_id: str) -> dict[str, Any]:
            return order_response(order_id)

        return get_order
    if typed and validation and (method, path) == PUT_ORDER:
        from benchmarks.apps.orders_pydantic import OrderModel, OrderSummaryModel, summarize

        def put_validated(order_id: str, order: OrderModel) -> OrderSummaryModel:
            return summarize(order_id, order)

        return put_validated
    if typed and (method, path) == PUT_ORDER:
        from pydantic import ValidationError

        from benchmarks.apps.orders_pydantic import OrderModel, summarize

        def put_order(order_id: str) -> Any:
            try:
                order = OrderModel.model_validate_json(api.current_event.decoded_body or "")
            except ValidationError as exc:
                return Response(422, "application/json", {"message": str(exc)})
            return summarize(order_id, order).model_dump()

        return put_order

    def other(**params: str) -> dict[str, Any]:
        return other_response(path)

    return other
