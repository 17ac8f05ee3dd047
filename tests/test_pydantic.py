"""pydantic v2 models (``lambent._pydantic``): results made of them are sent as their JSON
wherever lambent sends a handler's result, on every road, and what no road can encode is
still refused as before. (Payloads decoded into them: ``tests/test_decode.py``.)"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import date
from typing import Any

import msgspec
import pydantic
import pytest

from lambent import App, HandlerError
from lambent._fast import general_path
from lambent._pydantic import model_value
from lambent._runtime import run_loop_free
from lambent.runtime._target import AppTarget
from lambent.testing import FakeContext, TestClient, firehose_event, http_request


class Line(pydantic.BaseModel):
    sku: str
    qty: int


class Order(pydantic.BaseModel):
    order_id: str
    placed: date
    lines: list[Line]


ORDER = Order(order_id="o-1", placed=date(2024, 5, 1), lines=[Line(sku="pen", qty=2)])
AS_JSON = {"order_id": "o-1", "placed": "2024-05-01", "lines": [{"sku": "pen", "qty": 2}]}


def test_the_hook_gives_a_models_json_and_refuses_the_rest_as_msgspec_does() -> None:
    assert msgspec.json.decode(msgspec.json.encode([ORDER], enc_hook=model_value)) == [AS_JSON]

    class Opaque:
        pass

    with pytest.raises(TypeError) as without:
        msgspec.json.encode(Opaque())
    with pytest.raises(TypeError) as hooked:
        msgspec.json.encode(Opaque(), enc_hook=model_value)
    assert str(hooked.value) == str(without.value)


def make_app() -> App:
    app = App()

    @app.get("/orders/{order_id}")
    def fetch(order_id: str) -> Order:
        return ORDER

    @app.get("/wrapped")
    def wrapped() -> dict[str, Any]:
        return {"order": ORDER, "count": 1}

    @app.invoke("fetch")
    def direct(payload: dict[str, Any]) -> Order:
        return ORDER

    @app.firehose()
    def transform(line: Line) -> Line:
        return Line(sku=line.sku.upper(), qty=line.qty)

    return app


@pytest.mark.parametrize("road", [contextlib.nullcontext, general_path])
@pytest.mark.parametrize("source", ["apigw-http", "apigw-rest", "alb"])
def test_an_http_route_returning_a_model_answers_its_json(road: Any, source: str) -> None:
    client = TestClient(make_app(), source=source)
    with road():
        one = client.get("/orders/o-1")
        inside = client.get("/wrapped")
    assert one.status == 200 and one.json() == AS_JSON
    assert one.headers["content-type"] == "application/json"
    assert inside.status == 200 and inside.json() == {"order": AS_JSON, "count": 1}


@pytest.mark.parametrize("road", [contextlib.nullcontext, general_path])
def test_a_direct_invocation_and_a_firehose_record_send_a_models_json(road: Any) -> None:
    app = make_app()
    with road():
        assert app.handler({"action": "fetch"}, FakeContext()) == AS_JSON
        out = app.handler(firehose_event({"sku": "pen", "qty": 1}), FakeContext())
    [record] = out["records"]
    assert record["result"] == "Ok"
    assert json.loads(base64.b64decode(record["data"])) == {"sku": "PEN", "qty": 1}


def test_lambent_runtime_writes_a_models_json() -> None:
    target = AppTarget(make_app())
    for event, want in [
        ({"action": "fetch"}, AS_JSON),
        (http_request("GET", "/orders/o-1", source="apigw-http"), None),
    ]:
        body, _ = run_loop_free(
            target.invoke(json.dumps(event).encode(), "application/json", FakeContext())
        )
        assert isinstance(body, bytes)
        answer = json.loads(body)
        if want is not None:
            assert answer == want
        else:
            assert answer["statusCode"] == 200 and json.loads(answer["body"]) == AS_JSON


def test_a_result_no_road_can_send_is_still_refused_naming_the_handler() -> None:
    app = App()

    @app.invoke()
    def opaque(payload: dict[str, Any]) -> object:
        return {"value": object()}

    with pytest.raises(HandlerError, match=r"opaque.*cannot be sent as JSON"):
        app.handler({"x": 1}, FakeContext())


def test_a_resolvers_and_a_triggers_model_results_are_sent_as_their_json() -> None:
    from lambent.testing import appsync_event

    app = App()

    @app.appsync("Query", "order")
    def order(arguments: dict[str, Any]) -> Order:
        return ORDER

    assert app.handler(appsync_event("Query", "order"), FakeContext()) == AS_JSON
