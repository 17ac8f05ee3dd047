"""The two-module catalog example: a router included under /v1, on every HTTP source."""

from __future__ import annotations

import pytest

from examples.catalog import items
from examples.catalog.app import app
from lambent import App, ConfigurationError, Router
from lambent.testing import FakeContext, TestClient, sqs_event

SOURCES = ("apigw-rest", "apigw-http", "function-url", "alb")


@pytest.mark.parametrize("source", SOURCES)
def test_the_included_routes_answer_under_the_prefix_on_every_source(source: str) -> None:
    client = TestClient(app, source=source)
    listed = client.get("/v1/items?limit=1")
    assert listed.status == 200
    assert listed.json() == [{"sku": "pen", "name": "Pen", "price": 150}]
    assert listed.headers["x-served-by"] == "catalog"  # the app's middleware wraps them
    assert client.get("/v1/items/pen").json()["name"] == "Pen"
    assert client.get("/v1/items/nope").status == 404
    assert client.get("/items").status == 404  # only under the prefix
    assert client.get("/health").text == "ok"


def test_dependencies_of_the_router_run_and_close_per_request() -> None:
    client = TestClient(app)
    before = (items.STORE.opened, items.STORE.closed)
    refused = client.put(
        "/v1/items/ink", json={"name": "Ink", "price": 3}, headers={"x-api-key": "wrong"}
    )
    assert refused.status == 401
    created = client.put(
        "/v1/items/ink", json={"name": "Ink", "price": 3}, headers={"x-api-key": "secret"}
    )
    assert created.status == 201 and created.json()["sku"] == "ink"
    assert (items.STORE.opened - before[0], items.STORE.closed - before[1]) == (2, 2)


def test_the_routers_record_routes_are_included_too() -> None:
    event = sqs_event({"sku": "cap", "name": "Cap", "price": 900}, queue="catalog-updates")
    assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert TestClient(app).get("/v1/items/cap").json()["price"] == 900


def test_a_route_of_the_app_that_conflicts_raises_at_include_naming_both() -> None:
    other = App()

    @other.get("/v1/items/{sku}")
    def shadow(sku: str) -> str:
        return sku

    with pytest.raises(ConfigurationError) as raised:
        other.include(items.router, prefix="/v1")
    message = str(raised.value)
    assert "GET /v1/items/{sku}" in message
    assert "items.get_item" in message and "shadow" in message


def test_a_fresh_router_conflicting_with_the_app_on_a_queue_names_both() -> None:
    other = App()
    router = Router()

    @other.sqs("catalog-updates")
    def mine(body: dict[str, object]) -> None: ...

    @router.sqs("catalog-updates")
    def theirs(body: dict[str, object]) -> None: ...

    with pytest.raises(ConfigurationError, match=r"theirs.*conflicts with.*mine"):
        other.include(router)
