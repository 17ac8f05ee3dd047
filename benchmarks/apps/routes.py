"""The HTTP API every router benchmark registers: twenty routes, one of them measured."""

from __future__ import annotations

from typing import Any

#: (method, path template); the measured route sits late, as it would in a real app
HTTP_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/health"),
    ("GET", "/customers"),
    ("POST", "/customers"),
    ("GET", "/customers/{customer_id}"),
    ("PUT", "/customers/{customer_id}"),
    ("DELETE", "/customers/{customer_id}"),
    ("GET", "/customers/{customer_id}/orders"),
    ("GET", "/products"),
    ("POST", "/products"),
    ("GET", "/products/{sku}"),
    ("PUT", "/products/{sku}"),
    ("GET", "/carts/{cart_id}"),
    ("POST", "/carts/{cart_id}/items"),
    ("GET", "/orders"),
    ("POST", "/orders"),
    ("GET", "/orders/{order_id}"),
    ("PUT", "/orders/{order_id}"),
    ("DELETE", "/orders/{order_id}"),
    ("GET", "/orders/{order_id}/items"),
    ("GET", "/orders/{order_id}/items/{item_id}"),
)
MEASURED = ("GET", "/orders/{order_id}")


def order_response(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "status": "shipped", "total": 81.48, "currency": "EUR"}


def powertools_path(path: str) -> str:
    """``/orders/{order_id}`` in Powertools' syntax: ``/orders/<order_id>``."""
    return path.replace("{", "<").replace("}", ">")
