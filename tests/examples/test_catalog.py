"""The two-module catalog example: a router included under /v1, on every HTTP source."""

from __future__ import annotations

import io
from typing import Any

import pytest

from examples.catalog import items
from examples.catalog.app import app
from lambent import App, ConfigurationError, Router
from lambent.openapi import document
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


@pytest.mark.network
@pytest.mark.parametrize("source", SOURCES)
def test_the_two_module_app_answers_through_lambent_dev(source: str) -> None:
    """``lambent dev``'s server, driven by a real HTTP client on loopback."""
    import http.client
    import json
    import socket

    import anyio.from_thread

    from lambent._dev.server import DevApp, serve

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.setblocking(False)

    def call(method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", sock.getsockname()[1], timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    with anyio.from_thread.start_blocking_portal() as portal:
        dev = DevApp(app, source, output=io.StringIO(), openapi=True)
        future, _ = portal.start_task(serve, dev, sock)
        try:
            status, headers, body = call("GET", "/v1/items/pen")
            assert status == 200 and json.loads(body)["name"] == "Pen"
            assert headers["X-Served-By"] == "catalog"
            new = json.dumps({"name": "Mug", "price": 700}).encode()
            status, _, body = call("PUT", "/v1/items/mug", new, **{"X-Api-Key": "secret",
                                                                   "Content-Type": "application/json"})  # fmt: skip
            assert status == 201 and json.loads(body)["sku"] == "mug"
            assert call("PUT", "/v1/items/mug", new)[0] == 422  # no API key header
            assert call("GET", "/items/pen")[0] == 404
            status, headers, body = call("GET", "/openapi.json")  # lambent dev --openapi
            assert status == 200 and json.loads(body) == document(app)
            status, headers, body = call("GET", "/docs")
            assert status == 200 and headers["Content-Type"].startswith("text/html")
            assert b'"/openapi.json"' in body
        finally:
            portal.call(future.cancel)
