"""The order service of examples/orders, source by source, on the in-memory backends."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from examples.orders import app as orders
from examples.orders.models import NewOrder, OrderLine
from examples.orders.stores import MemoryBackends
from lambent import RoutingError
from lambent.testing import (
    Change,
    FakeContext,
    dynamodb_event,
    firehose_event,
    http_request,
    s3_event,
    schedule_event,
    sqs_event,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def store() -> AsyncIterator[MemoryBackends]:
    """Enter the app's lifespan (fresh in-memory backends) for one test."""
    async with orders.app.running():
        backends = orders.app.state.backends
        assert isinstance(backends, MemoryBackends)
        yield backends


async def invoke(event: dict[str, Any]) -> Any:
    return await orders.app.dispatch(event, FakeContext(function_name="orders"))


def new_order(customer: str = "alice", quantity: int = 2) -> NewOrder:
    return NewOrder(customer, [OrderLine("MUG-BLUE", quantity, 1250)])


async def test_post_orders_queues_one_message_per_customer_group(store: MemoryBackends) -> None:
    response = await invoke(http_request("POST", "/orders", json=new_order("alice")))
    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {
        "order_id": "ord-0001",
        "status": "accepted",
        "total": 2500,
    }
    assert response["headers"]["location"] == "/orders/ord-0001"
    [message] = store.queue.messages
    assert message.group_id == "alice" and message.deduplication_id == "ord-0001"


async def test_post_orders_refuses_a_bad_body_with_the_field(store: MemoryBackends) -> None:
    response = await invoke(
        http_request("POST", "/orders", json={"customer": "a", "lines": [{"sku": "x"}]})
    )
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["path"].startswith("$.lines[0]")
    assert store.queue.messages == []


async def test_queue_consumer_reports_the_poison_message_and_the_rest_of_its_group(
    store: MemoryBackends,
) -> None:
    for customer in ("alice", "bob"):
        await orders.place_order(new_order(customer))
    bodies = [m.body for m in store.queue.drain()]
    poison = bodies[1].replace('"quantity":2', '"quantity":0')
    event = sqs_event(
        bodies[0], poison, bodies[1], queue="orders.fifo", group_id=["alice", "bob", "bob"]
    )
    result = await invoke(event)
    ids = [r["messageId"] for r in event["Records"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}
    assert list(store.table.items) == ["ord-0001"]
    # redelivered: already stored orders are skipped, not stored twice
    assert await invoke(sqs_event(bodies[0], queue="orders.fifo")) == {"batchItemFailures": []}
    assert len(store.table.items) == 1


async def test_table_stream_publishes_order_placed(store: MemoryBackends) -> None:
    await orders.place_order(new_order("carol", quantity=3))
    await invoke(sqs_event(*[m.body for m in store.queue.drain()], queue="orders.fifo"))
    changes = [Change.insert(new) for old, new in store.table.drain_stream() if new]
    assert await invoke(dynamodb_event(*changes, table="orders")) == {"batchItemFailures": []}
    [event] = store.bus.events
    assert event.detail_type == "OrderPlaced"
    assert event.detail["customer"] == "carol" and event.detail["items"] == 3
    assert event.detail["total"] == 3750
    response = await invoke(http_request("GET", "/orders/ord-0001", route="/orders/{order_id}"))
    assert response["statusCode"] == 200 and json.loads(response["body"])["total"] == 3750
    missing = await invoke(http_request("GET", "/orders/nope", route="/orders/{order_id}"))
    assert missing["statusCode"] == 404


async def test_s3_import_is_idempotent_on_redelivery(store: MemoryBackends) -> None:
    data = b"\n".join(msgspec.json.encode(new_order(c)) for c in ("dave", "erin"))
    store.objects.put("order-imports", "batches/day.jsonl", data + b"\n")
    event = s3_event("batches/day.jsonl", bucket="order-imports")
    assert await invoke(event) is None
    assert await invoke(event) is None  # S3 may deliver a notification twice
    assert [m.group_id for m in store.queue.messages] == ["dave", "erin"]
    # keys outside the prefix/suffix filter have no route
    with pytest.raises(RoutingError, match="no route"):
        await invoke(s3_event("other/day.csv", bucket="order-imports"))


async def test_firehose_transform_drops_qa_orders(store: MemoryBackends) -> None:
    def placed(customer: str) -> dict[str, Any]:
        detail = {"order_id": "o1", "customer": customer, "total": 100, "items": 1,
                  "placed_at": "2024-06-01T09:30:00Z"}  # fmt: skip
        return {
            "id": "e1",
            "source": "orders.service",
            "detail-type": "OrderPlaced",
            "detail": detail,
        }

    result = await invoke(
        firehose_event(placed("alice"), placed("qa-bot"), "{}", stream="order-analytics")
    )
    records = result["records"]
    assert [r["result"] for r in records] == ["Ok", "Dropped", "ProcessingFailed"]
    assert msgspec.json.decode(base64.b64decode(records[0]["data"])) == {
        "order_id": "o1", "customer": "alice", "total": 100, "day": "2024-06-01",
    }  # fmt: skip
    assert records[0]["metadata"] == {"partitionKeys": {"day": "2024-06-01"}}


async def test_nightly_summary(store: MemoryBackends) -> None:
    for customer in ("alice", "alice", "bob"):
        await orders.place_order(new_order(customer))
    await invoke(sqs_event(*[m.body for m in store.queue.drain()], queue="orders.fifo"))
    assert await invoke(schedule_event("orders-daily-summary")) is None
    [summary] = store.bus.events
    assert summary.detail == {"orders": 3, "revenue": 7500, "customers": 2}


def test_the_synchronous_entry_point_is_exported() -> None:
    assert orders.handler == orders.app.handler


def test_make_demo_prints_the_trace() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORDERS_BACKEND"}
    done = subprocess.run(
        [sys.executable, "-m", "examples.demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = out.splitlines()
    assert len(lines) <= 80  # seven local steps, then the local Lambda step
    assert "RequestResponse with a payload no route takes → 200, FunctionError=Unhandled" in out
    assert "Event (schedule) → 202 at once" in out
    assert "on-success destination: condition=Success attempts=1" in out
    assert "DryRun → 204, nothing run" in out
    assert "[1] HTTP API: POST /orders" in out
    assert "→ 202" in out and "→ 422" in out
    # each answer follows the request it answers, so the 422 reads as the invalid order's
    assert "    POST /orders  dave: 0 x LAMP-01\n    → 422 body: Expected `int` >= 1" in out
    assert "✗ msg-bad1 failed" in out and "$.lines[0].quantity" in out
    failures = '{"batchItemFailures":[{"itemIdentifier":"msg-bad1"},{"itemIdentifier":"msg-0004"}]}'
    assert f"→ returned {failures}" in out
    assert "published OrderPlaced" in out
    assert "GET /orders/ord-0004 → 404" in out
    assert "→ Dropped" in out
    assert "published DailySummary orders=5" in out
    assert lines[-1].startswith("Done: 5 orders stored")
