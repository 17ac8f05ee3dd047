"""The HTTP API every router benchmark registers: twenty routes, two of them measured.

``GET /orders/{order_id}`` takes only its path parameter; ``PUT /orders/{order_id}``
also takes a typed JSON order (about 300 bytes) and answers an :class:`OrderSummary`.
Every side registers the same twenty routes; the others answer ``{"path": ...}``.
"""

from __future__ import annotations

from typing import Any

#: (method, path template); the measured routes sit late, as they would in a real app
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
ORDER_PATH = "/orders/{order_id}"
GET_ORDER = ("GET", ORDER_PATH)
PUT_ORDER = ("PUT", ORDER_PATH)
#: the HTTP-only cold-start app: ten routes with plain handlers, GET_ORDER among them
COLD_ROUTES: tuple[tuple[str, str], ...] = HTTP_ROUTES[10:]


def order_response(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "status": "shipped", "total": 81.48, "currency": "EUR"}


def other_response(path: str) -> dict[str, Any]:
    return {"path": path}


def powertools_path(path: str) -> str:
    """``/orders/{order_id}`` in Powertools' syntax: ``/orders/<order_id>``."""
    return path.replace("{", "<").replace("}", ">")


def params(path: str) -> list[str]:
    """The path parameter names of ``path``, in order."""
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
