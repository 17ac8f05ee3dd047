"""The same order payload as pydantic models, for Powertools' parser."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.parser.models import (
    KinesisDataStreamRecord,
    SqsRecordModel,
)
from pydantic import BaseModel, Json

from benchmarks.apps.orders import FAIL_CUSTOMER, OrderFailed


class ItemModel(BaseModel):
    sku: str
    qty: int
    price: float


class AddressModel(BaseModel):
    city: str
    country: str
    postcode: str


class OrderModel(BaseModel):
    order_id: str
    customer_id: str
    email: str
    created_at: datetime
    currency: str
    items: list[ItemModel]
    total: float
    shipping: AddressModel


class OrderSummaryModel(BaseModel):
    """What ``PUT /orders/{order_id}`` answers (as :class:`~benchmarks.apps.orders.OrderSummary`)."""

    order_id: str
    status: str
    lines: int
    total: float
    currency: str


def summarize(order_id: str, order: OrderModel) -> OrderSummaryModel:
    return OrderSummaryModel(
        order_id=order_id,
        status="updated",
        lines=len(order.items),
        total=order.total,
        currency=order.currency,
    )


class OrderRecord(SqsRecordModel):  # type: ignore[misc, unused-ignore]  # Any without the bench extra
    """An SQS record whose body Powertools' parser decodes into an order."""

    body: Json[OrderModel]


__all__ = ["KinesisDataStreamRecord", "OrderModel", "OrderRecord", "check", "summarize"]


def check(order: OrderModel) -> None:
    if order.customer_id == FAIL_CUSTOMER:
        raise OrderFailed(order.order_id)
