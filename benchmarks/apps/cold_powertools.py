"""A Powertools handler module: batch + parser (+ event handler), ten SQS routes.

``BENCH_POWERTOOLS_EVENT_HANDLER=0`` leaves the event handler out (the lean variant).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from benchmarks.apps.orders_pydantic import OrderRecord, check

if os.environ.get("BENCH_POWERTOOLS_EVENT_HANDLER", "1") == "1":
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    api = APIGatewayRestResolver()


def on_order(record: OrderRecord) -> None:
    check(record.body)


ROUTES = {
    f"orders-{i}": (BatchProcessor(EventType.SQS, model=OrderRecord), on_order) for i in range(10)
}


def handler(event: dict[str, Any], context: Any) -> Any:
    queue = event["Records"][0]["eventSourceARN"].rpartition(":")[2]
    processor, record_handler = ROUTES[queue]
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
