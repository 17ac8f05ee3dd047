"""The order service's data, declared once as msgspec Structs.

Handlers receive these types directly: lambent decodes SQS bodies, DynamoDB images,
S3 import lines and Firehose records into them, and a value that does not fit
(a quantity of 0, a malformed SKU) fails its record naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Sku = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9][A-Z0-9-]{2,19}$")]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=100)]
Cents = Annotated[int, msgspec.Meta(ge=0)]
Customer = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class OrderLine(msgspec.Struct, frozen=True):
    sku: Sku
    quantity: Quantity
    unit_price: Cents


class NewOrder(msgspec.Struct, frozen=True):
    """What a client sends: ``POST /orders`` bodies and the lines of an import file."""

    customer: Customer
    lines: Annotated[list[OrderLine], msgspec.Meta(min_length=1, max_length=50)]


class Order(msgspec.Struct, frozen=True):
    """An accepted order: the SQS message body and the ``orders`` table item."""

    id: str
    customer: Customer
    lines: list[OrderLine]
    total: Cents
    placed_at: datetime

    @classmethod
    def accept(cls, new: NewOrder, order_id: str, placed_at: datetime) -> Order:
        total = sum(line.quantity * line.unit_price for line in new.lines)
        return cls(order_id, new.customer, list(new.lines), total, placed_at)


class OrderPlaced(msgspec.Struct, frozen=True):
    """The ``detail`` of the ``OrderPlaced`` event published to EventBridge."""

    order_id: str
    customer: str
    total: int
    items: int
    placed_at: datetime


class OrderPlacedEvent(msgspec.Struct, frozen=True):
    """An ``OrderPlaced`` EventBridge event as a Firehose target receives it (whole)."""

    id: str
    detail: OrderPlaced


class AnalyticsRow(msgspec.Struct, frozen=True):
    """One line of the analytics data lake, written by the Firehose transform."""

    order_id: str
    customer: str
    total: int
    day: str


class DailySummary(msgspec.Struct, frozen=True):
    """The ``DailySummary`` event the nightly schedule publishes."""

    orders: int
    revenue: int
    customers: int


def dollars(cents: int) -> str:
    """``1250`` -> ``"$12.50"``."""
    return f"${cents // 100}.{cents % 100:02d}"
