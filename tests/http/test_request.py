"""``Request``: one view of a request whichever HTTP source delivered it, read lazily.

Through the public API (a route taking ``request: Request``) on the four HTTP sources,
plus the lean view's on-demand decoding through ``Request.from_lean``."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, EventDecodeError, Request
from lambent.sources.apigw_rest import LeanRestRequest, RestRequest
from lambent.testing import FakeContext, TestClient, http_request
from lambent.testing.events.http import HttpSource

SOURCES = ["apigw-rest", "apigw-http", "function-url", "alb"]


def _seen(request: Request) -> dict[str, Any]:
    return {
        "source": request.source,
        "method": request.method,
        "path": request.path,
        "params": dict(request.path_params),
        "route": request.route,
        "x": request.headers.get_all("x-a"),
        "t": request.query.get_all("t"),
        "cookies": dict(request.cookies),
        "body": request.body.hex(),
        "size": request.body_size,
        "b64": request.is_base64_encoded,
        "raw": request.raw_body,
        "ip": request.source_ip,
        "stage": request.stage,
        "claims": request.claims,
        "auth": request.authorizer,
        "type": request.content_type,
        "id": request.request_id,
        "repr": repr(request),
        "encoded": request.path_is_encoded,
    }


APP = App()
APP.route("/items/{item_id}", ["GET", "POST"])(_seen)


@APP.post("/json")
def parsed(request: Request) -> Any:
    request.state.seen = request.json()
    return {"json": request.state.seen, "text": request.text}


def _ask(source: HttpSource, **options: Any) -> dict[str, Any]:
    event = http_request(source=source, route="/items/{item_id}", **options)
    out = APP.handler(event, FakeContext())
    assert out["statusCode"] == 200, out
    seen: dict[str, Any] = msgspec.json.decode(out["body"])
    return seen


@pytest.mark.parametrize("source", SOURCES)
def test_one_view_of_every_source(source: HttpSource) -> None:
    seen = _ask(
        source,
        method="POST",
        path="/items/i-1",
        query={"t": ["1", "2"]},
        headers={"X-A": "1", "Content-Type": "application/octet-stream"},
        cookies={"s": "x", "t": "y"},
        body=b"\x00\xff",
    )
    assert seen["source"] == source
    assert (seen["method"], seen["path"], seen["route"]) == (
        "POST",
        "/items/i-1",
        "/items/{item_id}",
    )
    assert seen["params"] == {"item_id": "i-1"}
    assert seen["x"] == ["1"] and seen["type"] == "application/octet-stream"
    assert seen["cookies"] == {"s": "x", "t": "y"}
    # ALB in single-value mode keeps the last of repeated query parameters, as AWS does
    assert seen["t"] == (["2"] if source == "alb" else ["1", "2"])
    assert (seen["body"], seen["size"], seen["b64"], seen["raw"]) == ("00ff", 2, True, "AP8=")
    assert seen["ip"] == "203.0.113.7"
    assert seen["id"]
    assert seen["repr"] == f"Request(POST /items/i-1 via {source})"


@pytest.mark.parametrize(
    ("source", "stage", "encoded"),
    [
        ("apigw-rest", "prod", True),
        ("apigw-http", "$default", False),
        ("function-url", "$default", True),
        ("alb", None, True),
    ],
)
def test_stage_and_path_encoding_follow_the_source(
    source: HttpSource, stage: str | None, encoded: bool
) -> None:
    seen = _ask(source, path="/items/a%20b", stage=None if source == "alb" else stage)
    assert seen["stage"] == stage
    assert seen["encoded"] is encoded
    # an encoded path's parameters are decoded; an HTTP API path arrives decoded already
    assert seen["params"] == {"item_id": "a b" if encoded else "a%20b"}


def test_claims_from_a_rest_cognito_authorizer_and_an_http_api_jwt_authorizer() -> None:
    rest = _ask("apigw-rest", path="/items/1", authorizer={"claims": {"sub": "u1"}})
    assert rest["claims"] == {"sub": "u1"} and rest["auth"] == {"claims": {"sub": "u1"}}
    jwt = {"jwt": {"claims": {"sub": "u2"}, "scopes": ["read"]}}
    v2 = _ask("apigw-http", path="/items/1", authorizer=jwt)
    assert v2["claims"] == {"sub": "u2"} and v2["auth"] == jwt
    none = _ask("apigw-http", path="/items/1")
    assert (none["claims"], none["auth"]) == ({}, {})


@pytest.mark.parametrize("source", SOURCES)
def test_json_text_and_state(source: HttpSource) -> None:
    event = http_request("POST", "/json", source=source, json={"a": [1, "é"]})
    out = APP.handler(event, FakeContext())
    assert msgspec.json.decode(out["body"]) == {"json": {"a": [1, "é"]}, "text": '{"a":[1,"é"]}'}


@settings(max_examples=60, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    body=st.one_of(st.binary(max_size=64), st.text(max_size=64).filter(lambda t: t.isprintable())),
)
def test_the_body_size_is_the_decoded_bodys_length(source: HttpSource, body: bytes | str) -> None:
    """``body_size`` (estimated without decoding base64) is exactly ``len(body)``."""
    seen = _ask(source, method="POST", path="/items/1", body=body or None)
    raw = body.encode() if isinstance(body, str) else body
    assert seen["size"] == len(raw)
    assert bytes.fromhex(seen["body"]) == raw
    if isinstance(body, bytes) and body:
        assert seen["raw"] == base64.b64encode(body).decode()


def test_the_full_struct_is_decoded_once_on_demand() -> None:
    event = http_request("GET", "/x", source="apigw-rest", headers={"X-A": "1"})
    view = msgspec.convert(event, LeanRestRequest)
    request = Request.from_lean("apigw-rest", view, event, RestRequest, FakeContext())
    assert request.method == "GET" and request.path == "/x"
    assert request.request_id == view.request_id
    whole = request.event
    assert isinstance(whole, RestRequest) and request.event is whole
    assert request.headers["x-a"] == "1"


def test_a_raw_event_that_does_not_decode_fails_when_first_read() -> None:
    event = http_request("GET", "/x", source="apigw-rest")
    view = msgspec.convert(event, LeanRestRequest)
    event["headers"] = {"x-a": 5}
    request = Request.from_lean("apigw-rest", view, event, RestRequest, FakeContext())
    assert request.path == "/x"  # the lean view answers without the rest
    with pytest.raises(EventDecodeError, match=r"not a valid apigw-rest event") as info:
        _ = request.headers
    assert info.value.path.startswith("$.headers")


@pytest.mark.parametrize("stage", [None, "$default", "dev"])
def test_an_http_api_s_named_stage_is_no_part_of_the_request_s_path(stage: str | None) -> None:
    """HTTP APIs send a named stage's segment in ``rawPath`` (``/dev/orders/1``); routes
    and ``request.path`` are without it, on the lean reading and the full one alike."""
    app = App()

    @app.get("/orders/{order_id}")
    def full(order_id: int, request: Request) -> dict[str, object]:
        return {"id": order_id, "path": request.path, "stage": request.stage}

    @app.get("/lean/{order_id}")
    def lean(order_id: int) -> int:
        return order_id

    client = TestClient(app, source="apigw-http")
    assert client.get("/orders/1", stage=stage).json() == {
        "id": 1, "path": "/orders/1", "stage": stage or "$default"}  # fmt: skip
    assert client.get("/lean/2", stage=stage).json() == 2
    assert client.get("/nowhere", stage=stage).json()["message"] == "no route for GET /nowhere"


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_request_json_of_a_body_that_is_no_json_is_the_client_s_422(
    source: HttpSource, capsys: pytest.CaptureFixture[str]
) -> None:
    """Malformed JSON from the client answers 422 (as a declared body type does), not the
    500 and error log of a server failure; code that catches ``msgspec.DecodeError``
    still does."""
    app = App()

    @app.post("/raw")
    def raw(request: Request) -> dict[str, Any]:
        return {"got": request.json()}

    @app.post("/caught")
    def caught(request: Request) -> str:
        try:
            request.json()
        except msgspec.DecodeError as exc:
            return f"caught: {exc}"
        return "json"

    client = TestClient(app, source=source)
    assert client.post("/raw", json={"a": 1}).json() == {"got": {"a": 1}}
    assert client.post("/raw").json() == {"got": None}
    r = client.post("/raw", body="?json", headers={"Content-Type": "application/json"})
    assert r.status == 422
    assert r.json() == {
        "status": 422, "error": "Unprocessable Content",
        "message": "body: JSON is malformed: invalid character (byte 0)", "path": "$"}  # fmt: skip
    assert "error" not in capsys.readouterr().out
    assert client.post("/caught", body="x").text == "caught: 422: body: JSON is malformed: " \
        "invalid character (byte 0)"  # fmt: skip


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_request_text_of_a_body_that_is_no_utf8_is_the_client_s_422(
    source: HttpSource, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bytes that are not UTF-8 read as text answer 422, as a declared text body does, not
    the 500 and error log of a server failure; code that catches ``ValueError`` (which
    ``UnicodeDecodeError`` is) still does."""
    app = App()

    @app.post("/text")
    def text(request: Request) -> dict[str, Any]:
        return {"got": request.text}

    @app.post("/caught")
    def caught(request: Request) -> str:
        try:
            return request.text
        except ValueError:
            return "caught"

    client = TestClient(app, source=source)
    assert client.post("/text", body="héllo").json() == {"got": "héllo"}
    r = client.post("/text", body=b"\xff\xfeabc")
    assert r.status == 422
    assert r.json() == {
        "status": 422, "error": "Unprocessable Content", "path": "$",
        "message": "body: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    }  # fmt: skip
    assert "error" not in capsys.readouterr().out
    assert client.post("/caught", body=b"\xff").text == "caught"
