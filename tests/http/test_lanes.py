"""Route lanes (``lambent.http._lanes``, the ``route_lanes`` fast path) answer as the
general path does, from events and from the invocation's bytes, and take the requests of
the route shapes they are made for: a handler of a lane is called by the lane itself.

Each request is answered three ways: with every fast path (lanes), with every fast path
but the lanes (the compiled answer alone), and inside ``general_path()``.
"""

from __future__ import annotations

import base64
import functools
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import FAST, general_path
from lambent._runtime import LoopOwner, run_loop_free
from lambent.http import HTTPException, Response
from lambent.runtime._target import AppTarget
from lambent.testing import FakeContext, http_request
from lambent.testing.events.http import HttpSource

SOURCES: list[HttpSource] = ["apigw-rest", "apigw-http", "function-url"]


class Refused(Exception):
    pass


class Halt(BaseException):
    pass


class Item(msgspec.Struct):
    sku: str
    qty: int = 1

    def __post_init__(self) -> None:
        # the type's own code, run while the body decodes (msgspec passes these on)
        if self.sku == "refused":
            raise Refused("no such sku")
        if self.sku == "halt":
            raise Halt("halt")


class Summary(msgspec.Struct):
    item_id: str
    sku: str
    qty: int


#: the name of the function that called the last handler
called_by: list[str] = []


def _caller() -> None:
    called_by.append(sys._getframe(2).f_code.co_name)


def _wrapped(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def make_app(*, margin: float = 0.5, max_body_size: int | None = 64) -> App:
    app = App(deadline_margin=margin)
    app.configure_http(max_body_size=max_body_size)

    @app.get("/items/static")
    def static() -> dict[str, str]:
        return {"route": "static"}

    @app.get("/items/{item_id}")
    def get_item(item_id: str) -> dict[str, str]:
        _caller()
        return {"item_id": item_id, "text": "\u00e9\ud800" if item_id == "lone" else "ok"}

    @app.put("/items/{item_id}")
    def put_item(item_id: str, item: Item) -> Summary:
        _caller()
        if item.sku == "raise":
            raise ValueError("boom")
        return Summary(item_id, item.sku, item.qty)

    @app.post("/items/{item_id}")
    def post_item(item: Item, item_id: str) -> list[Any]:  # not in the template's order
        _caller()
        return [item_id, item.sku]

    @app.patch("/items/{item_id}")
    def patch_item(item_id: str, item: Item | None = None) -> dict[str, Any]:
        _caller()
        return {"item_id": item_id, "item": item}

    @app.get("/keyword/{key}")
    def keyword(*, key: str) -> str:
        _caller()
        return key

    @app.get("/wrapped/{key}")
    @_wrapped
    def wrapped(key: str) -> bytes:
        _caller()
        return key.encode()

    @app.get("/numbers/{n}")
    def number(n: int) -> dict[str, int]:
        _caller()
        return {"n": n}

    @app.get("/pairs/{a}/and/{b}")
    def pair(a: str, b: str) -> dict[str, str]:
        _caller()
        return {"a": a, "b": b}

    @app.get("/results/{how}")
    def result(how: str) -> Any:
        _caller()
        answers: dict[str, Any] = {
            "none": None,
            "response": Response({"ok": True}, status=201, headers={"X-A": "1"}),
            "text": "plain",
            "struct": Item("s"),
            "unencodable": {"value": object()},
            "tuple": ({"ok": True}, 201),
            "tuple3": (Item("t"), 202, {"X-B": "2"}),
            "long-tuple": (1, 2, 3, 4),
            "bad-status": ({"ok": True}, 42),
        }
        if how == "http":
            raise HTTPException(418, "short and stout")
        if how not in answers:
            raise KeyError(how)
        return answers[how]

    return app


ITEM = {"sku": "pen", "qty": 2}
PATHS = [
    "/items/i-1",
    "/items/static",
    "/items/",
    "/items/i-1/",
    "/items/a%20b",
    "/items/a%2Fb",
    "/items/a/b",
    "/items/lone",
    "",
    "/",
    "/keyword/k",
    "/wrapped/w",
    "/numbers/3",
    "/numbers/x",
    "/pairs/p/and/q",
    "/pairs/p/and/",
    *(f"/results/{how}" for how in ("none", "response", "text", "struct", "unencodable",
                                     "http", "other", "tuple", "tuple3", "long-tuple",
                                     "bad-status")),
]  # fmt: skip
TEMPLATES = [
    "/items/{item_id}",
    "/items/static",
    "/keyword/{key}",
    "/wrapped/{key}",
    "/numbers/{n}",
    "/pairs/{a}/and/{b}",
    "/results/{how}",
    "/nowhere/{x}",
]
BODIES: list[dict[str, Any]] = [
    {},
    {"json": ITEM},
    {"json": {"sku": "raise"}},
    {"json": {"sku": 1}},
    {"body": "{not json"},
    {"body": b'{"sku":"b64"}'},  # delivered base64
    {"json": {"sku": "\u00e9t\u00e9"}},
    {"body": '{"sku":"\ud800"}'},
    {"json": {"sku": "x" * 80}},  # over the size limit
    {"body": '{"sku":"' + "\u00e9" * 30 + '"}'},  # 40 characters, 70 bytes: over it too
    {"body": ""},
    {"json": {"sku": "refused"}},  # the body's type fails: a 500
    {"json": {"sku": "halt"}},  # with a BaseException: a 500 too
]


def _event(
    source: HttpSource, method: str, path: str, template: str, options: dict[str, Any]
) -> Any:
    event = http_request(method, path or "/", source=source, seed=7, **options)
    if source == "apigw-rest":
        event["resource"] = template
        event["path"] = path
    elif source == "apigw-http":
        event["routeKey"] = f"{method} {template}"
        event["rawPath"] = path
    return event


def _call(app: App, event: Any, context: FakeContext | None = None) -> Any:
    try:
        return app.handler(event, context or FakeContext(aws_request_id="req-1"))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _three(make: Callable[[], App], event: Any, context: Callable[[], FakeContext]) -> list[Any]:
    """The answers with lanes, with the compiled answer alone, and of the general path."""
    answers = [_call(make(), event, context())]
    FAST.route_lanes = False
    try:
        answers.append(_call(make(), event, context()))
    finally:
        del FAST.route_lanes
    with general_path():
        answers.append(_call(make(), event, context()))
    return answers


def _context() -> FakeContext:
    return FakeContext(aws_request_id="req-1")


# (method, path, template): requests of a route's own shape
MATCHED = [
    ("GET", "/items/i-1", "/items/{item_id}"),
    ("PUT", "/items/i-1", "/items/{item_id}"),
    ("POST", "/items/i-1", "/items/{item_id}"),
    ("PATCH", "/items/i-1", "/items/{item_id}"),
    ("GET", "/items/static", "/items/{item_id}"),
    ("PUT", "/items/a%20b", "/items/{item_id}"),
    ("GET", "/keyword/k", "/keyword/{key}"),
    ("GET", "/numbers/3", "/numbers/{n}"),
    ("GET", "/pairs/p/and/q", "/pairs/{a}/and/{b}"),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("method", "path", "template"), MATCHED)
@pytest.mark.parametrize("options", BODIES, ids=range(len(BODIES)))
def test_each_body_to_each_route_shape_is_answered_as_in_general(
    source: HttpSource, method: str, path: str, template: str, options: dict[str, Any]
) -> None:
    event = _event(source, method, path, template, options)
    lanes, compiled, general = _three(make_app, event, _context)
    assert lanes == compiled == general


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("sku", ["refused", "halt"])
def test_a_body_whose_type_fails_is_the_handler_s_500_on_every_road(
    source: HttpSource, sku: str
) -> None:
    event = _event(source, "PUT", "/items/i-1", "/items/{item_id}", {"json": {"sku": sku}})
    called_by.clear()
    answers = _three(make_app, event, _context)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["statusCode"] == 500 and called_by == []  # the handler never ran


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD", "get"])
@pytest.mark.parametrize("path", ["/items/i-1", "/numbers/3"])
def test_a_route_key_naming_another_method_is_answered_as_in_general(
    method: str, path: str
) -> None:
    template = "/items/{item_id}" if path.startswith("/items") else "/numbers/{n}"
    event = _event("apigw-http", method, path, template, {"json": ITEM})
    event["routeKey"] = f"GET {template}"  # the lane of GET's
    lanes, compiled, general = _three(make_app, event, _context)
    assert lanes == compiled == general


@settings(max_examples=150, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    method=st.sampled_from(["GET", "PUT", "POST", "PATCH", "DELETE", "get"]),
    path=st.sampled_from(PATHS),
    template=st.sampled_from(TEMPLATES),
    options=st.sampled_from(BODIES),
)
def test_lanes_answer_as_the_compiled_answer_and_the_general_path(
    source: HttpSource, method: str, path: str, template: str, options: dict[str, Any]
) -> None:
    event = _event(source, method, path, template, options)
    lanes, compiled, general = _three(make_app, event, _context)
    assert lanes == compiled == general


# (method, path, body options, the function expected to call the handler: REST, HTTP API)
TAKEN = [
    ("GET", "/items/i-1", {}, "lane", "lane"),
    ("PUT", "/items/i-1", {"json": ITEM}, "lane", "lane"),
    ("POST", "/items/i-1", {"json": ITEM}, "lane", "lane"),
    ("PATCH", "/items/i-1", {"json": ITEM}, "lane", "lane"),
    ("GET", "/keyword/k", {}, "lane", "lane"),
    ("GET", "/wrapped/w", {}, "wrapper", "wrapper"),
    ("GET", "/numbers/3", {}, "lane", "lane"),
    ("GET", "/pairs/p/and/q", {}, "lane", "lane"),
    ("GET", "/results/struct", {}, "lane", "lane"),
    # what a lane leaves to the compiled answer: a body to check, a default body, a path
    # to decode (REST delivers it encoded, HTTP APIs decoded)
    ("PUT", "/items/i-1", {"body": b'{"sku":"b64"}'}, "answer", "answer"),
    ("PUT", "/items/i-1", {"json": {"sku": "\u00e9"}}, "answer", "answer"),
    ("PATCH", "/items/i-1", {}, "answer", "answer"),
    ("GET", "/items/a%20b", {}, "answer", "lane"),
]
_TEMPLATES = {"items": "/{item_id}", "keyword": "/{key}", "wrapped": "/{key}", "numbers": "/{n}",
              "pairs": "/{a}/and/{b}", "results": "/{how}"}  # fmt: skip


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http"])
@pytest.mark.parametrize(("method", "path", "options", "rest", "http"), TAKEN)
def test_the_route_shapes_of_lanes_are_answered_by_them(
    source: HttpSource, method: str, path: str, options: dict[str, Any], rest: str, http: str
) -> None:
    first = path.split("/")[1]
    app = make_app()
    _call(app, _event(source, "GET", "/items/static", "/items/static", {}))  # frozen
    called_by.clear()
    answer = _call(app, _event(source, method, path, f"/{first}{_TEMPLATES[first]}", options))
    assert answer["statusCode"] == 200, answer
    assert called_by == [rest if source == "apigw-rest" else http]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("remaining", [0.0, 0.2, 0.45, 0.7, 3.0])
@pytest.mark.parametrize("path", ["/items/i-1", "/numbers/3", "/pairs/p/and/q"])
def test_a_lane_does_not_start_a_handler_without_time_left(
    source: HttpSource, remaining: float, path: str
) -> None:
    def context() -> FakeContext:
        made = FakeContext(aws_request_id="req-1")
        made.set_remaining(remaining)
        return made

    template = {"/items/i-1": "/items/{item_id}", "/numbers/3": "/numbers/{n}",
                "/pairs/p/and/q": "/pairs/{a}/and/{b}"}[path]  # fmt: skip
    event = _event(source, "GET", path, template, {})
    called_by.clear()
    lanes, compiled, general = _three(make_app, event, context)
    assert lanes == compiled == general
    assert (lanes["statusCode"] == 200) is (remaining > 0.5)


def test_a_handler_logging_through_structlog_has_the_invocation_bound() -> None:
    pytest.importorskip("structlog")
    import structlog

    seen: list[dict[str, Any]] = []

    def make() -> App:
        app = App()

        @app.get("/items/{item_id}")
        def get_item(item_id: str) -> dict[str, Any]:
            seen.append(dict(structlog.contextvars.get_contextvars()))
            return {"item_id": item_id}

        return app

    event = _event("apigw-http", "GET", "/items/i-1", "/items/{item_id}", {})
    lanes, compiled, general = _three(make, event, _context)
    assert lanes == compiled == general
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["aws_request_id"] == "req-1" and seen[0]["cold_start"] is True


_LOOP = LoopOwner()


@pytest.fixture(scope="module", autouse=True)
def _loop_closed() -> Iterator[None]:
    yield
    _LOOP.close()


def _invoke(app: App, body: bytes) -> Any:
    target = AppTarget(app)
    try:
        run = run_loop_free if app._needs_no_loop() else _LOOP.run
        payload, content_type = run(target.invoke(body, "application/json", _context()))
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    assert isinstance(payload, bytes)
    return json.loads(payload), content_type


@settings(max_examples=100, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "PATCH"]),
    path=st.sampled_from(PATHS),
    template=st.sampled_from(TEMPLATES),
    options=st.sampled_from(BODIES),
)
def test_lanes_answer_the_invocations_bytes_as_the_general_path(
    method: str, path: str, template: str, options: dict[str, Any]
) -> None:
    body = json.dumps(_event("apigw-http", method, path, template, options)).encode()
    answers = []
    for general in (False, True):
        app = make_app()
        with general_path() if general else _nothing():
            _invoke(app, json.dumps(http_request("GET", "/items/static")).encode())  # started
            answers.append(_invoke(app, body))
    assert answers[0] == answers[1]


def test_a_base64_body_is_decoded_as_the_general_path_decodes_it() -> None:
    raw = base64.b64encode(b'{"sku":"b"}').decode()
    event = _event("apigw-http", "PUT", "/items/i-1", "/items/{item_id}", {"json": ITEM})
    event["body"], event["isBase64Encoded"] = raw, True
    lanes, compiled, general = _three(make_app, event, _context)
    assert lanes == compiled == general
    assert json.loads(lanes["body"]) == {"item_id": "i-1", "sku": "b", "qty": 1}


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
