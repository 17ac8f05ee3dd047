"""What an app registered (:mod:`lambent._registry`): one owner for routes, the web router
and hooks; the web router made only when an HTTP-family route needs it, its routes held
in the app's one route table; frozen together."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lambent import App, ConfigurationError, Router
from lambent.testing import FakeContext, sqs_event

PROBE = """
import sys
from lambent import App
app = App()

@app.sqs("orders")
def on_order(body: str) -> None: ...

record = {"messageId": "m", "body": "x", "eventSource": "aws:sqs",
          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders"}
print(app.handler({"Records": [record]}) == {"batchItemFailures": []})
print("lambent.http" in sys.modules)
"""


def test_an_app_without_http_routes_never_makes_a_web_router() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-2:] == ["True", "False"]  # it ran, never importing lambent.http


def test_the_first_event_freezes_routes_and_web_routes_together() -> None:
    app = App()

    @app.sqs("orders")
    def on_order(body: str) -> None: ...

    @app.get("/x")
    def x() -> str:
        return "x"

    hooks: list[object] = []
    app.before_batch(hooks.append)
    app.handler(sqs_event("hi", queue="orders"), FakeContext())
    assert len(hooks) == 1 and app.strict_fifo is False
    with pytest.raises(ConfigurationError, match="started handling events"):
        app.sqs("late")(on_order)
    with pytest.raises(ConfigurationError, match="started handling events"):
        app.get("/late")(x)


def test_one_route_table_holds_the_record_routes_and_every_web_route() -> None:
    router = Router()

    @router.get("/orders/{order_id}")
    def order(order_id: str) -> str:
        return order_id

    @router.websocket("$default")
    def message() -> None: ...

    app = App()

    @app.sqs("orders")
    def on_order(body: str) -> None: ...

    app.include(router, prefix="/v1")
    lines = [line.partition(" -> ") for line in app.routes.describe()]
    assert [(head, name.rpartition(".")[2]) for head, _, name in lines] == [
        ("sqs(queue='orders')", "on_order"),
        ("http(GET /v1/orders/{order_id})", "order"),
        ("websocket('$default')", "message"),
    ]
    assert [r.kind for r in app.routes] == ["sqs"]  # iterating: the record routes, as before
    paths = app.routes.matcher("request")
    assert paths is not None
    found = paths.lookup(("/v1/orders/7", False))
    assert found is not None and found[1] == {"order_id": "7"}


def test_a_first_web_route_after_the_first_event_is_refused_like_any_late_route() -> None:
    app = App()

    @app.sqs("orders")
    def on_order(body: str) -> None: ...

    app.handler(sqs_event("hi", queue="orders"), FakeContext())
    with pytest.raises(ConfigurationError, match="started handling events"):
        app.get("/late")(on_order)  # the web router is made now, into a frozen table
    with pytest.raises(ConfigurationError, match="started handling events"):
        app.websocket("$default")(on_order)
