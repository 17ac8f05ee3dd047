"""Powertools: the mixed ten-route app, with batch, parser and event handler.

Batch processors (with parser models) for the queues and streams, the parser for
EventBridge, the HTTP API resolver for the two HTTP routes (the PUT handler
validating its body with the pydantic model, as in the warm scenario); the event's
source is told apart by hand, as Powertools leaves that to the user.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from benchmarks.apps.mixed import BUS_SOURCE, DETAIL_TYPE, QUEUES, RULE, STREAM, TABLE
from benchmarks.apps.orders_pydantic import (
    KinesisDataStreamRecord,
    OrderModel,
    OrderRecord,
    check,
)
from benchmarks.apps.powertools_http import http_app
from benchmarks.apps.routes import GET_ORDER, PUT_ORDER


class OrderPlaced(EventBridgeModel):  # type: ignore[misc, unused-ignore]  # Any without the bench extra
    detail: OrderModel


def on_order(record: OrderRecord) -> None:
    check(record.body)


def on_stream(record: KinesisDataStreamRecord) -> None:
    data = record.kinesis.data
    assert isinstance(data, bytes)
    check(OrderModel.model_validate_json(data))


def on_change(record: DynamoDBRecord) -> None:
    if record.event_name and record.event_name.name in ("INSERT", "MODIFY"):
        assert record.dynamodb is not None
        _ = record.dynamodb.new_image


ROUTES: dict[str, tuple[BatchProcessor, Callable[[Any], None]]] = {
    **{q: (BatchProcessor(EventType.SQS, model=OrderRecord), on_order) for q in QUEUES},
    STREAM: (BatchProcessor(EventType.KinesisDataStreams, model=KinesisDataStreamRecord),
             on_stream),
    TABLE: (BatchProcessor(EventType.DynamoDBStreams), on_change),
}  # fmt: skip
http = http_app("apigw-http", (GET_ORDER, PUT_ORDER))


def _resource(arn: str) -> str:
    if ":dynamodb:" in arn:
        return arn.split("/")[1]
    return arn.rpartition(":")[2].rpartition("/")[2]


def handler(event: dict[str, Any], context: Any) -> Any:
    records = event.get("Records")
    if records:
        processor, record_handler = ROUTES[_resource(records[0]["eventSourceARN"])]
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    if "routeKey" in event:
        return http(event, context)
    if event["source"] == BUS_SOURCE and event["detail-type"] == DETAIL_TYPE:
        check(parse(event, model=OrderPlaced).detail)
    elif event["source"] != "aws.events" or not event["resources"][0].endswith(f"/{RULE}"):
        raise LookupError("no route")
    return None
