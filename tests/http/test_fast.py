"""The HTTP fast paths answer exactly as the general path does.

* Lean decoding: REST, HTTP API and Function URL requests are decoded into a lean view
  (method, path, body, request id) and the full Struct only when something needs it.
* Direct rendering: a plain handler result is rendered without building a Response.
* Inline calls: a plain ``def`` handler is called without a coroutine per call.

The reference is the same app built and run inside ``lambent._fast.general_path()``, the
one seam that switches every fast path off (every event decoded whole, every result
rendered through ``render_http(Response(value))``, path parameters converted like any
other, an event loop even for plain handlers).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import general_path
from lambent._web import web_router
from lambent.http import Cookie, Header, HTTPException, HttpRouter, Query, Request, Response
from lambent.http._render import render_http, render_value
from lambent.sources.alb import AlbRequest
from lambent.sources.apigw_http import HttpApiRequest, LeanHttpApiRequest
from lambent.sources.apigw_rest import LeanRestRequest, RestRequest
from lambent.testing import FakeContext, http_request
from lambent.testing.events.http import HttpSource
from tests import corpus

SOURCES = ["apigw-rest", "apigw-http", "function-url", "alb", "alb-multi"]


class Item(msgspec.Struct):
    name: str
    qty: int = 1


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Teapot(Exception):
    pass


def web_routes(app: App) -> HttpRouter:
    """The app's web router (it has HTTP routes)."""
    router = web_router(app)
    assert router is not None
    return router


def make_app(*, with_async: bool = False, max_body_size: int | None = None) -> App:
    app = App()
    if max_body_size is not None:
        app.configure_http(max_body_size=max_body_size)

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, Any]:
        return {"order_id": order_id, "total": 81.48}

    @app.get("/orders/{order_id}/items/{item_id}")
    def get_item(order_id: str, item_id: int) -> list[Any]:
        return [order_id, item_id]

    @app.get("/values/{kind}")
    def values(kind: str) -> Any:
        return {
            "text": "plain text",
            "bytes": b"\x00\xff",
            "struct": Item("pen", 2),
            "dataclass": Point(1, 2),
            "int": 7,
            "float": 2.5,
            "bool": False,
            "tuple": (1, "a"),
            "none": None,
            "empty": {},
            "response": Response({"ok": True}, status=201, headers={"X-A": "1"}),
        }[kind]

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    @app.put("/blobs/{name}")
    def put_blob(name: str, data: bytes) -> bytes:
        return data[::-1]

    @app.get("/echo")
    def echo(
        request: Request,
        agent: Annotated[str, Header("x-agent")] = "",
        tag: Annotated[list[str] | None, Query()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, Any]:
        return {
            "agent": agent,
            "tags": tag,
            "session": session,
            "cookies": dict(request.cookies),
            "ip": request.source_ip,
            "stage": request.stage,
            "id": request.request_id,
            "claims": request.claims,
            "event": type(request.event).__name__,
            "route": request.route,
            "params": dict(request.path_params),
        }

    @app.get("/typed")
    def typed(rest: RestRequest | None = None, v2: HttpApiRequest | None = None) -> dict[str, Any]:
        return {"rest": rest is not None, "v2": v2 is not None}

    @app.get("/files/{path+}")
    def files(path: str) -> str:
        return path

    @app.get("/fail/{how}")
    def fail(how: str) -> None:
        if how == "http":
            raise HTTPException(418, "short and stout", headers={"X-Tea": "1"})
        if how == "teapot":
            raise Teapot("brewing")
        raise ValueError("boom")

    @app.exception_handler(Teapot)
    def on_teapot(request: Request, exc: Teapot) -> Response:
        return Response({"error": str(exc), "agent": request.headers.get("x-agent")}, 418)

    if with_async:

        @app.get("/later/{n}")
        async def later(n: int) -> dict[str, int]:
            return {"n": n}

    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/orders/ord-1", {}),
    ("GET", "/orders/ord-1/", {}),
    ("GET", "/orders/a%20b", {}),
    ("GET", "/orders/a%2Fb", {}),
    ("GET", "/orders/o1/items/3", {}),
    ("GET", "/orders/o1/items/three", {}),
    *[("GET", f"/values/{k}", {}) for k in ("text", "bytes", "struct", "dataclass", "int")],
    *[("GET", f"/values/{k}", {}) for k in ("float", "bool", "tuple", "none", "empty")],
    ("GET", "/values/response", {}),
    ("HEAD", "/orders/ord-1", {}),
    ("HEAD", "/values/text", {}),
    ("OPTIONS", "/orders/ord-1", {}),
    ("DELETE", "/orders/ord-1", {}),
    ("GET", "/nowhere", {}),
    ("POST", "/items", {"json": {"name": "pen", "qty": 2}}),
    ("POST", "/items", {"json": {"name": "pen", "qty": "two"}}),
    ("POST", "/items", {"body": "{not json"}),
    ("POST", "/items", {}),
    ("POST", "/items", {"body": "x" * 200}),
    ("PUT", "/blobs/b", {"body": bytes(range(256))}),
    (
        "GET",
        "/echo",
        {
            "headers": {"X-Agent": "t/1"},
            "query": {"tag": ["a", "b c"]},
            "cookies": {"session": "s1", "b": "2"},
            "authorizer": {"claims": {"sub": "u1"}},
        },
    ),
    ("GET", "/echo", {}),
    ("GET", "/typed", {}),
    ("GET", "/files/docs/a%20b.txt", {}),
    ("GET", "/fail/http", {}),
    ("GET", "/fail/teapot", {"headers": {"X-Agent": "t/2"}}),
    ("GET", "/fail/value", {}),
]


def _answer(app: App, event: dict[str, Any]) -> Any:
    try:
        return app.handler(event, FakeContext(aws_request_id="req-1"))
    except Exception as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "path", None))


@pytest.mark.parametrize("with_async", [False, True], ids=["loop-free", "on-the-loop"])
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("method", "path", "options"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS]
)
def test_fast_paths_answer_as_the_general_path(
    source: Any,
    method: str,
    path: str,
    options: dict[str, Any],
    with_async: bool,
) -> None:
    event = http_request(method, path, source=source, seed=3, **options)
    fast = _answer(make_app(with_async=with_async, max_body_size=100), event)
    with general_path():
        general = _answer(make_app(with_async=with_async, max_body_size=100), event)
    assert fast == general
    assert isinstance(fast, dict)


@pytest.mark.parametrize("source", SOURCES)
def test_an_async_handler_answers_as_the_general_path(source: Any) -> None:
    event = http_request("GET", "/later/5", source=source)
    fast = _answer(make_app(with_async=True), event)
    with general_path():
        general = _answer(make_app(with_async=True), event)
    assert fast == general
    assert isinstance(fast, dict) and fast["statusCode"] == 200


@pytest.mark.parametrize("row", corpus.params("apigw-rest", "apigw-http", "function-url", "alb"))
def test_corpus_requests_answer_as_the_general_path(row: corpus.Row | None) -> None:
    event = corpus.load(row)

    def build() -> App:
        app = App()

        @app.route("/{path+}", ("GET", "POST", "PUT", "PATCH", "DELETE"))
        def anything(path: str) -> dict[str, str]:
            return {"path": path}

        @app.route("/", ("GET", "POST", "PUT", "PATCH", "DELETE"))
        def root(request: Request) -> dict[str, Any]:
            return {"id": request.request_id, "headers": dict(request.headers)}

        return app

    fast = _answer(build(), event)
    with general_path():
        general = _answer(build(), event)
    assert fast == general


# -- events that do not decode -------------------------------------------------------------


def _broken(source: HttpSource, field: str, value: Any) -> dict[str, Any]:
    event = http_request("GET", "/orders/ord-1", source=source)
    if field.startswith("requestContext."):
        event["requestContext"][field.partition(".")[2]] = value
    else:
        event[field] = value
    return event


#: lean fields with values that do not decode (detection still claims the events)
LEAN_FIELDS = [
    ("apigw-rest", "path", ["x"]),
    ("apigw-rest", "version", 1),
    ("apigw-rest", "body", 5),
    ("apigw-rest", "isBase64Encoded", "yes"),
    ("apigw-rest", "requestContext.requestId", 7),
    ("apigw-http", "body", {}),
    ("apigw-http", "requestContext.http", {"method": 5}),
    ("apigw-http", "requestContext.requestId", None),
    ("function-url", "isBase64Encoded", 0),
    ("function-url", "requestContext.http", {"path": 1}),
]


@pytest.mark.parametrize(("source", "field", "value"), LEAN_FIELDS)
def test_a_bad_lean_field_fails_as_the_general_path(
    source: HttpSource, field: str, value: Any
) -> None:
    event = _broken(source, field, value)
    fast = _answer(make_app(), event)
    # with a bad field before it that the lean view does not read: still the same error
    first = {"queryStringParameters": 12}
    first.update((k, v) for k, v in event.items() if k != "queryStringParameters")
    assert _answer(make_app(), first)[1] != fast[1]
    fast = (fast, _answer(make_app(), first))
    with general_path():
        general = (_answer(make_app(), event), _answer(make_app(), first))
    assert fast == general
    assert fast[0][0] == fast[1][0] == "EventDecodeError"


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url"])
@pytest.mark.parametrize("path", ["/echo", "/typed", "/fail/teapot"])
def test_a_bad_field_fails_before_code_that_can_read_it(source: HttpSource, path: str) -> None:
    """Routes taking the request, its headers or the Struct (and exception handlers, which
    get the request) fail with the general path's EventDecodeError, before any user code."""
    event = http_request("GET", path, source=source)
    event["headers"] = {"x-agent": 5}
    fast = _answer(make_app(), event)
    with general_path():
        general = _answer(make_app(), event)
    assert fast == general
    assert fast[0] == "EventDecodeError" and fast[2] == "$.headers[...]"


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url"])
def test_a_bad_field_no_code_reads_is_not_decoded(source: HttpSource) -> None:
    """The one difference from decoding every event whole: a route whose handler takes only
    path parameters (or the body) answers even when a part of the event it never reads
    (here the headers) would not decode. API Gateway never sends such events."""
    event = http_request("GET", "/orders/ord-1", source=source)
    event["headers"] = {"x-agent": 5}
    out = make_app().handler(event, FakeContext())
    assert out["statusCode"] == 200


# -- the pieces ----------------------------------------------------------------------------


def test_lean_views_read_like_the_full_structs() -> None:
    views: list[tuple[HttpSource, type[Any], type[Any]]] = [
        ("apigw-rest", LeanRestRequest, RestRequest),
        ("apigw-http", LeanHttpApiRequest, HttpApiRequest),
    ]
    for source, lean, full in views:
        for seed, method, path in [(1, "GET", "/a"), (2, "post", "/b/c%20d"), (3, "PUT", "/")]:
            event = http_request(method, path, source=source, body="x", seed=seed)
            view, whole = msgspec.convert(event, lean), msgspec.convert(event, full)
            for name in ("method", "path", "body", "is_base64_encoded", "request_id"):
                assert getattr(view, name) == getattr(whole, name), (source, name)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
VALUES = (
    st.dictionaries(st.text(), JSON_VALUES, max_size=4)
    | st.lists(JSON_VALUES, max_size=4)
    | st.text()
    | st.binary()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.tuples(st.integers(), st.text())
    | st.builds(Item, st.text(), st.integers())
)


@settings(max_examples=200, deadline=None)
@given(value=VALUES)
def test_render_value_is_render_http_of_a_response(value: Any) -> None:
    wires: list[tuple[Any, Any]] = [
        ("rest", None),
        ("v2", None),
        ("alb", msgspec.convert({"headers": {}}, AlbRequest)),
        ("alb", msgspec.convert({"multiValueHeaders": {}}, AlbRequest)),
    ]
    for wire, event in wires:
        assert render_value(wire, event, value) == render_http(wire, event, Response(value))


def test_a_route_knows_what_it_needs_of_the_event() -> None:
    app = make_app()
    app.handler(http_request("GET", "/orders/o1"), FakeContext())
    routes = {
        endpoint.path.template: route
        for endpoint in web_routes(app).routes.endpoints()
        for route in endpoint.routes.values()
    }
    assert routes["/orders/{order_id}"].path_only and not routes["/orders/{order_id}"].needs_event
    item = routes["/orders/{order_id}/items/{item_id}"]  # item_id converts to int
    assert not item.path_only and not item.needs_event
    assert not routes["/items"].needs_event  # the body is in the lean view
    assert routes["/echo"].needs_event and routes["/typed"].needs_event


def test_a_plain_handler_returning_an_awaitable_is_awaited() -> None:
    app = App()

    async def later() -> dict[str, int]:
        return {"n": 1}

    @app.get("/x")
    def x() -> Any:
        return later()

    out = app.handler(http_request("GET", "/x", source="apigw-rest"), FakeContext())
    assert out["statusCode"] == 200 and out["body"] == '{"n":1}'


def test_no_time_left_answers_504_before_a_plain_handler_runs() -> None:
    app = App(deadline_margin=1.0)
    ran: list[str] = []

    @app.get("/x/{n}")
    def x(n: str) -> str:
        ran.append(n)
        return n

    context = FakeContext(timeout=900)
    context.set_remaining(0.5)
    out = app.handler(http_request("GET", "/x/1", source="apigw-http"), context)
    assert out["statusCode"] == 504 and ran == []


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url"])
def test_a_500_names_the_request_id_read_from_the_lean_view(source: Any) -> None:
    app = make_app()
    for seed in range(3):
        event = http_request("GET", "/fail/value", source=source, seed=seed)
        out = app.handler(event, FakeContext())
        assert out["statusCode"] == 500
        assert event["requestContext"]["requestId"] in out["body"]
