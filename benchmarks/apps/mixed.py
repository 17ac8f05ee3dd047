"""The mixed ten-route app of the cold-start scenario, as every side declares it.

Four SQS queues, a Kinesis stream, a DynamoDB table's stream, an EventBridge rule,
a schedule, and ``GET`` and ``PUT /orders/{order_id}`` (the PUT with a typed body).
The first invocation is a 10-record SQS batch to ``orders-0``.
"""

from __future__ import annotations

QUEUES = tuple(f"orders-{i}" for i in range(4))
STREAM = "orders-stream"
TABLE = "orders"
BUS_SOURCE = "shop.orders"
DETAIL_TYPE = "OrderPlaced"
RULE = "nightly-report"
