"""The order payload every scenario decodes: msgspec Structs, and bodies to send.

An order body is about 300 bytes of JSON. Record 7 of every hundred fails: in the
even hundreds its body does not decode (``qty`` is not a number), in the odd
hundreds its handler raises (``customer_id == "cust-fail"``). So records 0 to 99 have
1 failing (1%, undecodable: in one batch of 10 records, 10%), 1,000 have 10 (5 and 5),
10,000 have 100.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

FAIL_CUSTOMER = "cust-fail"


class Item(msgspec.Struct, frozen=True, gc=False):
    sku: str
    qty: int
    price: float


class Address(msgspec.Struct, frozen=True, gc=False):
    city: str
    country: str
    postcode: str


class Order(msgspec.Struct, frozen=True, gc=False):
    order_id: str
    customer_id: str
    email: str
    created_at: datetime
    currency: str
    items: list[Item]
    total: float
    shipping: Address


class OrderFailed(Exception):
    """What a handler raises for the orders chosen to fail."""


def check(order: Order) -> None:
    """The work every handler does: raise for the orders chosen to fail."""
    if order.customer_id == FAIL_CUSTOMER:
        raise OrderFailed(order.order_id)


def order_body(i: int, *, failing: bool = True) -> dict[str, Any]:
    """The JSON body of order ``i`` (about 300 bytes); some fail when ``failing``."""
    fails = failing and i % 100 == 7
    bad_decode = fails and (i // 100) % 2 == 0
    return {
        "order_id": f"ord-{i:08d}",
        "customer_id": FAIL_CUSTOMER if fails and not bad_decode else f"cust-{i % 977:05d}",
        "email": f"c{i % 977}@example.com",
        "created_at": "2024-05-01T12:00:00Z",
        "currency": "EUR",
        "items": [
            {"sku": "SKU-1", "qty": "two" if bad_decode else 2, "price": 19.99},
            {"sku": "SKU-2", "qty": 1, "price": 5.5},
            {"sku": "SKU-3", "qty": 3, "price": 12.0},
        ],
        "total": 81.48,
        "shipping": {"city": "Lyon", "country": "FR", "postcode": "69001"},
    }


def expected_failures(n: int, *, failing: bool = True) -> int:
    return sum(1 for i in range(n) if failing and i % 100 == 7)


def failing_label(n: int) -> str:
    """What fails in a batch of ``n`` order bodies, stated as counts (not a percentage)."""
    fails = [i for i in range(n) if i % 100 == 7]
    undecodable = sum(1 for i in fails if (i // 100) % 2 == 0)
    raising = len(fails) - undecodable
    parts = [f"{undecodable:,} undecodable"] if undecodable else []
    parts += [f"{raising:,} raising"] if raising else []
    share = f"{len(fails) / n:.0%}" if n else "0%"
    return f"{len(fails):,} of {n:,} failing ({share}: {', '.join(parts) or 'none'})"


class OrderSummary(msgspec.Struct, frozen=True, gc=False):
    """What ``PUT /orders/{order_id}`` answers: a Struct built from the typed body."""

    order_id: str
    status: str
    lines: int
    total: float
    currency: str


def summarize(order_id: str, order: Order) -> OrderSummary:
    """The work of ``PUT /orders/{order_id}``: a summary of the stored order."""
    return OrderSummary(order_id, "updated", len(order.items), order.total, order.currency)
