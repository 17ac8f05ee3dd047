"""Compiled HTTP routes (``lambent.http._compiled``) answer as the general path does.

The reference is the same app run inside ``general_path()``. Each request is also put to
the compiled answer itself, to check it took the request (not left it to the general
path) where it should, and left it where it must.
"""

from __future__ import annotations

import contextlib
import copy
import re
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, LambdaContext
from lambent._fast import FAST, MISS, Pending, general_path
from lambent.http import HTTPException, Request, Response
from lambent.http._compiled import compile_http
from lambent.http._routing import RouteMap
from lambent.testing import FakeContext, http_request
from tests import corpus
from tests.http.test_fast import web_routes

SOURCES = ["apigw-rest", "apigw-http", "function-url"]


class Order(msgspec.Struct):
    sku: str
    qty: int = 1


class Summary(msgspec.Struct):
    order_id: str
    sku: str
    qty: int


def make_app() -> App:
    app = App()

    @app.get("/orders/new")
    def new_order() -> dict[str, str]:
        return {"route": "new"}

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, str]:
        return {"route": "get", "order_id": order_id}

    @app.put("/orders/{order_id}")
    def put_order(order_id: str, order: Order) -> Summary:
        return Summary(order_id, order.sku, order.qty)

    @app.get("/orders/{order_id}/lines/{line}")
    def line(order_id: str, line: int, context: LambdaContext) -> list[Any]:
        return [order_id, line, context.aws_request_id]

    @app.get("/{section}/latest")
    def latest(section: str) -> dict[str, str]:
        return {"route": "latest", "section": section}

    @app.get("/files/{path+}")
    def files(path: str) -> str:
        return path

    @app.get("/blobs/{name}")
    def blob(name: str) -> bytes:
        return name.encode()

    @app.get("/answers/{how}")
    def answers(how: str) -> Any:
        if how == "none":
            return None
        if how == "response":
            return Response({"ok": True}, status=201, headers={"X-A": "1"})
        if how == "http":
            raise HTTPException(418, "short and stout")
        if how == "unencodable":
            return {"value": object()}
        raise ValueError("boom")

    return app


def _event(method: str, path: str, source: Any, hint: str | None, **options: Any) -> dict[str, Any]:
    """A request whose API Gateway route template is ``hint``, whatever the path."""
    event = http_request(method, path, source=source, seed=5, **options)
    if hint is not None and source == "apigw-rest":
        event["resource"] = hint
    elif hint is not None and source == "apigw-http":
        event["routeKey"] = hint if hint == "$default" else f"{method} {hint}"
    return event


def _call(app: App, event: dict[str, Any]) -> Any:
    try:
        return app.handler(event, FakeContext(aws_request_id="req-1"))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _both(event: dict[str, Any]) -> tuple[Any, Any]:
    compiled = _call(make_app(), event)
    with general_path():
        general = _call(make_app(), event)
    return compiled, general


def _taken(event: dict[str, Any]) -> bool:
    """Whether the compiled answer answers ``event`` itself."""
    app = make_app()
    app.handler(http_request("GET", "/orders/new"), FakeContext())  # frozen
    answer = compile_http(app, web_routes(app))
    assert answer is not None
    out = answer(event, FakeContext(aws_request_id="req-1"))
    if isinstance(out, Pending):
        out.awaitable.close()
    return out is not MISS


ORDER = {"sku": "pen", "qty": 2}
# (method, path, route template API Gateway reports, options, taken by the compiled path)
REQUESTS: list[tuple[str, str, str | None, dict[str, Any], bool]] = [
    ("GET", "/orders/ord-1", "/orders/{order_id}", {}, True),
    ("GET", "/orders/new", "/orders/new", {}, True),
    # the API's template says {order_id}, lambent's static route wins, as in general
    ("GET", "/orders/new", "/orders/{order_id}", {}, True),
    ("PUT", "/orders/ord-1", "/orders/{order_id}", {"json": ORDER}, True),
    # arguments the general path refuses (422): answered here, converted once
    ("PUT", "/orders/ord-1", "/orders/{order_id}", {"json": {"sku": 1}}, True),
    ("PUT", "/orders/ord-1", "/orders/{order_id}", {"body": "{not json"}, True),
    ("PUT", "/orders/ord-1", "/orders/{order_id}", {}, True),
    ("PUT", "/orders/ord-1", "/orders/{order_id}", {"body": b'{"sku":"x"}'}, True),
    ("GET", "/orders/a%20b", "/orders/{order_id}", {}, True),
    ("GET", "/orders/a%2Fb", "/orders/{order_id}", {}, True),
    ("GET", "/orders/ord-1/", "/orders/{order_id}", {}, True),
    ("GET", "/orders/o/lines/3", "/orders/{order_id}/lines/{line}", {}, True),
    ("GET", "/orders/o/lines/x", "/orders/{order_id}/lines/{line}", {}, True),
    ("GET", "/news/latest", "/{section}/latest", {}, True),
    ("GET", "/orders/latest", "/{section}/latest", {}, True),
    ("GET", "/files/a/b%20c.txt", "/files/{proxy+}", {}, True),
    ("GET", "/blobs/b", "/blobs/{name}", {}, True),
    # a hint that lies, or names another template: matched by lambent's own map
    ("GET", "/orders/ord-1", "/files/{path+}", {}, True),
    ("GET", "/orders/ord-1", "/nowhere/{x}", {}, True),
    ("GET", "/prod/orders/ord-1", "/orders/{order_id}", {}, False),  # stage in the path: 404
    ("GET", "/nowhere", None, {}, False),
    ("HEAD", "/orders/ord-1", "/orders/{order_id}", {}, False),
    ("OPTIONS", "/orders/ord-1", "/orders/{order_id}", {}, False),
    ("DELETE", "/orders/ord-1", "/orders/{order_id}", {}, False),
    ("GET", "/answers/none", "/answers/{how}", {}, True),
    ("GET", "/answers/response", "/answers/{how}", {}, True),
    ("GET", "/answers/http", "/answers/{how}", {}, True),
    ("GET", "/answers/value", "/answers/{how}", {}, True),
    ("GET", "/answers/unencodable", "/answers/{how}", {}, True),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("method", "path", "route", "options", "taken"),
    REQUESTS,
    ids=[f"{m} {p} ({r})" for m, p, r, _, _ in REQUESTS],
)
def test_compiled_routes_answer_as_the_general_path(
    source: Any, method: str, path: str, route: str | None, options: dict[str, Any], taken: bool
) -> None:
    event = _event(method, path, source, route, **options)
    compiled, general = _both(event)
    assert compiled == general
    assert isinstance(compiled, dict)
    assert _taken(event) is taken


def test_one_app_answers_requests_of_every_source_in_turn_as_the_general_path() -> None:
    """One app, the sources' requests interleaved (the reading that settled the last
    event is tried first): each answer is the general path's."""
    requests = [
        _event(method, path, source, route, **options)
        for method, path, route, options, _ in REQUESTS[:6]
        for source in (*SOURCES, "apigw-rest", "apigw-http")
    ]

    def answers() -> list[Any]:
        app = make_app()
        return [_call(app, event) for event in requests]

    compiled = answers()
    with general_path():
        general = answers()
    assert compiled == general


def test_a_stage_prefixed_rest_path_is_matched_by_the_path_not_the_resource() -> None:
    event = http_request("GET", "/orders/ord-1", source="apigw-rest", route="/orders/{order_id}")
    event["path"] = "/v1/orders/ord-1"  # a custom domain's base path mapping
    compiled, general = _both(event)
    assert compiled == general
    assert compiled["statusCode"] == 404


def test_events_that_do_not_decode_fail_as_in_general() -> None:
    event = http_request("GET", "/orders/ord-1", source="apigw-http", route="/orders/{order_id}")
    event["requestContext"]["http"]["method"] = 7
    compiled, general = _both(event)
    assert compiled == general
    assert compiled[0] == "EventDecodeError"


def test_apps_the_compiled_path_cannot_serve_get_none() -> None:
    app = App()
    app.configure_http(max_body_size=10)

    @app.middleware
    async def passthrough(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    @app.get("/a")
    def a() -> str:
        return "a"

    app.handler(http_request("GET", "/a"), FakeContext())
    assert compile_http(app, web_routes(app)) is None


_SEGMENT = st.one_of(
    st.sampled_from(["orders", "new", "lines", "files", "x", "a%20b", "a%2Fb", "latest", "7", ""]),
    st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="/?#"),
        min_size=1,
        max_size=6,
    ),
)


@settings(max_examples=250, deadline=None)
@given(
    segments=st.lists(_SEGMENT, min_size=0, max_size=4),
    hint=st.sampled_from(
        [
            "/orders/{order_id}",
            "/orders/new",
            "/{section}/latest",
            "/files/{path+}",
            "/orders/{order_id}/lines/{line}",
            "$default",
        ]
    ),
    source=st.sampled_from(SOURCES),
    method=st.sampled_from(["GET", "PUT"]),
)
def test_any_path_and_hint_answer_as_the_general_path(
    segments: list[str], hint: str, source: Any, method: str
) -> None:
    path = "/" + "/".join(segments)
    options: dict[str, Any] = {"json": ORDER} if method == "PUT" else {}
    event = _event(method, path, source, hint, **options)
    compiled, general = _both(event)
    assert compiled == general


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(["/orders/ord-1", "/orders/new", "/orders/a%2Fb", "/orders/x/", "/x"]),
    template=st.sampled_from(["/orders/{order_id}", "/orders/new", "/{section}/latest"]),
    key_method=st.sampled_from(["GET", "PUT", "ANY", "get"]),
    method=st.sampled_from(["GET", "PUT", "put", "DELETE"]),
    source=st.sampled_from(SOURCES),
)
def test_a_route_key_naming_another_method_answers_as_the_general_path(
    path: str, template: str, key_method: str, method: str, source: Any
) -> None:
    """The route key (``routeKey``; REST: the request's method and ``resource``) is a hint:
    one naming another method or template than the request's is checked, never trusted."""
    options: dict[str, Any] = {"json": ORDER} if method.upper() == "PUT" else {}
    event = _event(method, path, source, template, **options)
    if source == "apigw-http":
        event["routeKey"] = f"{key_method} {template}"
    compiled, general = _both(event)
    assert compiled == general


def test_match_known_equals_match_for_every_template_and_path() -> None:
    routes: RouteMap[str] = RouteMap()
    templates = [
        "/orders/new",
        "/orders/{order_id}",
        "/orders/{order_id}/lines/{line}",
        "/{section}/latest",
        "/{section}/{item}",
        "/files/{path+}",
        "/reports/{day}.csv",
    ]
    for template in templates:
        routes.add(("GET",), template, template)
    routes.freeze()
    paths = [
        "/orders/new",
        "/orders/1",
        "/orders/1/lines/2",
        "/orders/latest",
        "/news/latest",
        "/news/1",
        "/files/a/b",
        "/reports/d.csv",
        "/orders/a%2Fb",
        "/",
    ]
    for template in [*templates, "$default", "/nope/{x}"]:
        for path in paths:
            for encoded in (False, True):
                known = routes.match_known(template, path, encoded=encoded)
                general = routes.match(path, encoded=encoded)
                assert (known and (known[0].path.template, known[1])) == (
                    general and (general[0].path.template, general[1])
                ), (template, path, encoded)


def _context_app() -> App:
    import structlog

    app = App()

    @app.get("/context")
    def context() -> dict[str, Any]:
        values = structlog.contextvars.get_contextvars()
        keys = ("aws_request_id", "cold_start", "source", "function_name")
        return {k: values[k] for k in keys if k in values}

    return app


def _bodies(app: App) -> list[Any]:
    import json

    import anyio

    async def main() -> list[Any]:
        async with app.running():  # started before the first invocation
            return [
                json.loads(
                    (
                        await app.dispatch(
                            http_request("GET", "/context", source="apigw-http"),
                            FakeContext(aws_request_id=f"req-{i}"),
                        )
                    )["body"]
                )
                for i in range(2)
            ]

    return anyio.run(main)


def test_the_log_context_is_bound_for_handlers_and_the_first_invocation_is_cold() -> None:
    compiled = _bodies(_context_app())
    with general_path():
        general = _bodies(_context_app())
    assert compiled == general
    assert compiled == [
        {"aws_request_id": f"req-{i}", "cold_start": i == 0, "source": "apigw-http",
         "function_name": "test-function"}
        for i in range(2)
    ]  # fmt: skip


def _owned_bodies(app: App) -> tuple[list[Any], dict[str, Any]]:
    """The handler's log context over four invocations run in one
    ``invocation_context`` (as ``lambent.runtime``'s loop-free loop runs them; the
    third clears structlog's contextvars itself), and what the caller's context holds
    after."""
    import json

    import structlog

    from lambent._logging import invocation_context

    invocations = invocation_context()
    bodies = []
    for i in range(4):
        if i == 2:
            invocations.run(structlog.contextvars.clear_contextvars)
        answer = invocations.run(
            app.handler,
            http_request("GET", "/context", source="apigw-http"),
            FakeContext(aws_request_id=f"req-{i}", function_name=f"fn-{i // 2}"),
        )
        bodies.append(json.loads(answer["body"]))
    return bodies, structlog.contextvars.get_contextvars()


def test_in_a_context_of_invocations_only_the_log_context_is_bound_as_in_general() -> None:
    import structlog

    structlog.contextvars.clear_contextvars()
    compiled, left = _owned_bodies(_context_app())
    with general_path():
        general, general_left = _owned_bodies(_context_app())
    assert compiled == general
    assert [body["aws_request_id"] for body in compiled] == ["req-0", "req-1", "req-2", "req-3"]
    assert [body["cold_start"] for body in compiled] == [True, False, False, False]
    assert [body["function_name"] for body in compiled] == ["fn-0", "fn-0", "fn-1", "fn-1"]
    assert left == general_left == {}  # bound in that context only


@pytest.mark.parametrize(("margin", "timeout"), [(1.0, 0.5), (0.1, 30.0), (30.0, 60.0)])
def test_no_time_left_answers_504_as_in_general(margin: float, timeout: float) -> None:
    def answer() -> Any:
        app = App(deadline_margin=margin)

        @app.get("/orders/{order_id}")
        def get_order(order_id: str) -> dict[str, str]:
            return {"order_id": order_id}

        event = http_request("GET", "/orders/o-1", route="/orders/{order_id}", seed=1)
        app.handler(event, FakeContext())  # started
        return app.handler(event, FakeContext(timeout=timeout, aws_request_id="req-1"))

    compiled = answer()
    with general_path():
        general = answer()
    assert compiled == general
    # API Gateway's 29 s timeout is within a 30 s margin: no time, whatever Lambda's
    assert compiled["statusCode"] == (200 if (margin, timeout) == (0.1, 30.0) else 504)


def test_a_stream_that_suspends_is_awaited_on_the_callers_loop() -> None:
    import asyncio

    import anyio

    async def chunks() -> Any:
        for part in ("a", "b"):
            await asyncio.sleep(0)
            yield part

    def answer() -> Any:
        app = App()

        @app.get("/stream/{name}")
        def stream(name: str) -> Any:
            return chunks()

        async def main() -> Any:
            event = http_request("GET", "/stream/s", route="/stream/{name}", seed=2)
            await app.dispatch(event, FakeContext())  # started
            return await app.dispatch(event, FakeContext(aws_request_id="req-1"))

        return anyio.run(main)

    compiled = answer()
    with general_path():
        general = answer()
    assert compiled == general
    assert compiled["body"] == "ab"


def _answers(app_of: Any, event: Any) -> tuple[Any, Any]:
    """``app.handler``'s answer and ``lambent.runtime``'s bytes path's, for a fresh app
    (the exception's type and message when it raises)."""
    import json

    import anyio

    def run(call: Any) -> Any:
        try:
            return call()
        except Exception as exc:
            return (type(exc).__name__, str(exc))

    context = FakeContext(aws_request_id="req-1")
    app, other = app_of(), app_of()
    body = json.dumps(event).encode()
    return (
        run(lambda: app.handler(copy.deepcopy(event), context)),
        run(lambda: anyio.run(other.dispatch_bytes, body, context)),
    )


#: every corpus kind but CloudFormation's, whose answer is a PUT to the event's URL
KINDS = [kind for kind in {row.kind for row in corpus.rows()} if kind != "cloudformation"]


@pytest.mark.parametrize("row", corpus.params(*KINDS))
def test_any_event_to_an_http_only_app_gets_the_general_paths_answer(
    row: corpus.Row | None,
) -> None:
    event = corpus.load(row)
    fast = _answers(make_app, event)
    FAST.http_detection = False
    try:
        undetected = _answers(make_app, event)
    finally:
        del FAST.http_detection
    with general_path():
        general = _answers(make_app, event)
    assert fast == undetected == general


_LINE_FIELDS = {
    "apigw-http": [
        ("rawPath",), ("routeKey",), ("body",), ("isBase64Encoded",), ("requestContext",),
        ("requestContext", "requestId"), ("requestContext", "http"),
        ("requestContext", "http", "method"), ("requestContext", "http", "path"),
    ],
    "apigw-rest": [
        ("path",), ("resource",), ("httpMethod",), ("version",), ("body",),
        ("isBase64Encoded",), ("requestContext",), ("requestContext", "requestId"),
    ],
}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    source=st.sampled_from(["apigw-http", "apigw-rest"]),
    data=st.data(),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=6),
        st.sampled_from(["GET", "put", "/orders/ord-1", "/orders/{order_id}", "1.0"]),
        st.lists(st.integers(), max_size=1),
        st.dictionaries(st.text(max_size=2), st.none()),
    ),
    method=st.sampled_from(["GET", "PUT"]),
)
def test_a_request_line_field_of_any_type_answers_as_the_general_path(
    source: Any, data: st.DataObject, value: Any, method: str
) -> None:
    """A field the request line reads, given another type or value (or removed), takes
    the lean Struct's road or the general path, and the answer is the general path's."""
    where = data.draw(st.sampled_from(_LINE_FIELDS[source]))
    if where in (("routeKey",), ("resource",)):
        # the route key is no field of the lean Struct: only the full Struct (the general
        # path's, lean views off) refuses it when it is not text; the lean road reads it
        # as a hint only
        value = data.draw(st.sampled_from(["GET /orders/{order_id}", "PUT /x", "/orders/{x}"]))
    options: dict[str, Any] = {"json": ORDER} if method == "PUT" else {}
    event = _event(method, "/orders/ord-1", source, "/orders/{order_id}", **options)
    holder: Any = event
    for key in where[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    if isinstance(holder, dict):
        if data.draw(st.booleans()):
            holder.pop(where[-1], None)
        else:
            holder[where[-1]] = value
    compiled, general = _both(event)
    assert compiled == general


conversions: list[int] = []


class Counted(msgspec.Struct):
    """A body type whose own code counts its runs; 1 is refused (a 422), 2 raises."""

    qty: int

    def __post_init__(self) -> None:
        conversions.append(self.qty)
        if self.qty == 1:
            raise ValueError("one is not a quantity")
        if self.qty == 2:
            raise RuntimeError("the type's own failure")


def counting_app() -> App:
    """Three roads of the compiled answer: a one-segment route (its lane calls the handler
    directly), a two-parameter one (its lane matches the template) and one taking the
    context (the compiled answer's own builder)."""
    app = App()

    @app.put("/counted/{order_id}")
    def one(order_id: str, order: Counted) -> dict[str, int]:
        return {"qty": order.qty}

    @app.put("/counted/{order_id}/lines/{line}")
    def two(order_id: str, line: str, order: Counted) -> dict[str, int]:
        return {"qty": order.qty}

    @app.put("/context/{order_id}")
    def three(order_id: str, order: Counted, context: LambdaContext) -> dict[str, int]:
        return {"qty": order.qty}

    return app


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/counted/o1", "/counted/{order_id}"),
        ("/counted/o1/lines/2", "/counted/{order_id}/lines/{line}"),
        ("/context/o1", "/context/{order_id}"),
    ],
)
@pytest.mark.parametrize("qty", [0, 1, 2])
def test_a_body_type_runs_once_a_request_on_every_road(
    source: Any, path: str, route: str, qty: int
) -> None:
    """Its ``__post_init__`` is the user's code: converted once per request whether the
    body is taken, refused (422) or its type fails (500), with the general path's answer."""
    event = _event("PUT", path, source, route, json={"qty": qty})
    answers = []
    for road in (contextlib.nullcontext, general_path):
        app = counting_app()
        app.handler(http_request("GET", "/none"), FakeContext())  # frozen
        conversions.clear()
        with road():
            answers.append(_call(app, event))
        assert conversions == [qty]
    assert answers[0] == answers[1]
    assert answers[0]["statusCode"] == {0: 200, 1: 422, 2: 500}[qty]


class Refusal(Exception):
    pass


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/one/o1", "/one/{order_id}"),
        ("/two/o1/lines/2", "/two/{order_id}/lines/{line}"),
    ],
)
def test_an_exception_handler_sees_the_path_parameters_alone(
    source: Any, path: str, route: str
) -> None:
    """The request an exception handler gets holds the matched path parameters, not the
    handler's other arguments (the body), on every road."""

    def make() -> App:
        app = App()

        @app.put("/one/{order_id}")
        def one(order_id: str, order: Order) -> None:
            raise Refusal

        @app.put("/two/{order_id}/lines/{line}")
        def two(order_id: str, line: str, order: Order) -> None:
            raise Refusal

        @app.exception_handler(Refusal)
        def refused(request: Request, exc: Refusal) -> Response:
            return Response({"params": request.path_params}, 409)

        return app

    event = _event("PUT", path, source, route, json=ORDER)
    compiled = _call(make(), event)
    with general_path():
        general = _call(make(), event)
    assert compiled == general
    assert compiled["statusCode"] == 409
    assert set(msgspec.json.decode(compiled["body"])["params"]) == set(route_params(route))


def route_params(route: str) -> list[str]:
    return re.findall(r"{(\w+)}", route)
