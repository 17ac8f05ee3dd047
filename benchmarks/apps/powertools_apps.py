"""Powertools apps for the warm scenarios, written as its documentation shows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    async_process_partial_response,
    process_partial_response,
)

from benchmarks.apps.orders_pydantic import (
    KinesisDataStreamRecord,
    OrderModel,
    OrderRecord,
    check,
)

Handler = Callable[[dict[str, Any], Any], Any]


def sqs_app() -> Handler:
    """``BatchProcessor`` with the parser model (pydantic), a sync record handler."""
    processor = BatchProcessor(event_type=EventType.SQS, model=OrderRecord)

    def record_handler(record: OrderRecord) -> None:
        check(record.body)

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


def io_app(delay: float, concurrency: int) -> Handler:
    """``AsyncBatchProcessor``; it gathers every record at once, so the handler takes a
    semaphore of ``concurrency`` to get the same bound as lambent."""
    processor = AsyncBatchProcessor(event_type=EventType.SQS, model=OrderRecord)
    bound: list[asyncio.Semaphore] = []

    async def record_handler(record: OrderRecord) -> None:
        async with bound[0]:
            await asyncio.sleep(delay)
            check(record.body)

    def handler(event: dict[str, Any], context: Any) -> Any:
        bound[:] = [asyncio.Semaphore(concurrency)]  # one per invocation: each runs a new loop
        return async_process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


def fifo_app(delay: float) -> Handler:
    """``SqsFifoPartialProcessor`` (sync only: records run one after another)."""
    processor = SqsFifoPartialProcessor(model=OrderRecord, skip_group_on_error=True)

    def record_handler(record: OrderRecord) -> None:
        time.sleep(delay)
        check(record.body)

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


def kinesis_app(delay: float) -> Handler:
    """``BatchProcessor`` for Kinesis (sync: in order, one record after another)."""
    processor = BatchProcessor(
        event_type=EventType.KinesisDataStreams, model=KinesisDataStreamRecord
    )

    def record_handler(record: KinesisDataStreamRecord) -> None:
        data = record.kinesis.data
        assert isinstance(data, bytes)
        order = OrderModel.model_validate_json(data)
        time.sleep(delay)
        check(order)

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler
