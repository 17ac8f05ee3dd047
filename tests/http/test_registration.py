"""Registering web routes (lambent.http._registration), on a registry of its own: what a
route's plan tells the router it needs, conflicts naming both handlers, a sealed
registry refusing more, ``include`` under a prefix, the route listing, and the routes held
in the route table the registry is given (one matcher per family)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pytest

from lambent import App, ConfigurationError, LambdaContext, Logger, Router
from lambent._routes import Inclusion, Matcher, RouteTable
from lambent.http import Header, HttpConfig, Request, Response
from lambent.http._registration import WebRegistry
from lambent.testing import TestClient


def by_path(order_id: str) -> None: ...


def typed(order_id: int) -> None: ...


def with_header(order_id: str, x_trace: Annotated[str, Header()]) -> None: ...


def with_request(request: Request) -> None: ...


def on_message() -> None: ...


def with_logger(order_id: str, log: Logger, context: LambdaContext) -> None: ...


@pytest.mark.parametrize(
    ("fn", "needs_event", "path_only", "wants_logger"),
    [
        (by_path, False, True, False),
        (typed, False, False, False),  # converted: not handed over as matched
        (with_header, True, False, False),
        (with_request, True, False, False),
        (with_logger, False, False, True),
    ],
)
def test_what_a_route_needs_is_known_at_registration(
    fn: Any, needs_event: bool, path_only: bool, wants_logger: bool
) -> None:
    route = WebRegistry().add_route(("GET",), "/orders/{order_id}", fn)
    assert (route.needs_event, route.path_only, route.wants_logger) == (
        needs_event,
        path_only,
        wants_logger,
    )
    assert route.template == "/orders/{order_id}" and route.methods == ("GET",)


def test_a_method_taken_on_the_same_template_names_both_handlers() -> None:
    router = WebRegistry()
    router.add_route(("GET", "POST"), "/orders/{order_id}", by_path)
    router.add_route(("PUT",), "/orders/{order_id}", typed)  # another method is fine
    with pytest.raises(ConfigurationError) as info:
        router.add_route(("POST",), "/orders/{order_id}/", typed)
    message = str(info.value)
    assert "POST /orders/{order_id}" in message and "by_path" in message and "typed" in message


def test_a_sealed_registry_refuses_everything_saying_why() -> None:
    router = WebRegistry()
    router.seal("the router was included into an app")
    attempts: list[Callable[[], object]] = [
        lambda: router.add_route(("GET",), "/x", by_path),
        lambda: router.add_middleware(lambda request, call_next: call_next(request)),
        lambda: router.add_exception_handler(ValueError, lambda r, e: None),
        lambda: router.add_websocket("$default", by_path),
        lambda: router.add_authorizer("TOKEN", by_path),
        lambda: router.add_edge("viewer-request", None, by_path),
        lambda: router.configure(HttpConfig()),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigurationError, match="the router was included into an app"):
            attempt()
    assert router.describe() == []


@pytest.mark.parametrize("bad", [BaseException, KeyboardInterrupt, "ValueError", 3])
def test_exception_handlers_take_exception_subclasses_only(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="needs an Exception subclass"):
        WebRegistry().add_exception_handler(bad, lambda request, exc: None)


def _powertools_style(ex: ValueError) -> str:
    return str(ex)


def _three(request: Request, exc: ValueError, extra: int) -> str:
    return str(exc)


@pytest.mark.parametrize(
    ("fn", "said"),
    [(_powertools_style, "signature (ex: 'ValueError')"), (_three, "missing a required argument")],
)
def test_an_exception_handler_that_cannot_take_request_and_exc_fails_at_registration(
    fn: Callable[..., Any], said: str
) -> None:
    """Powertools' ``handler(ex)`` would fail on every error it was meant for (a 500)."""
    with pytest.raises(ConfigurationError) as raised:
        WebRegistry().add_exception_handler(ValueError, fn)
    message = str(raised.value)
    assert f"exception handler {fn.__module__}.{fn.__qualname__} for ValueError" in message
    assert "is called as fn(request, exc)" in message and said in message


class _Handlers:
    def method(self, request: Request, exc: ValueError) -> Response:
        return Response({"by": "bound", "error": str(exc)}, status=400)

    async def __call__(self, request: Request, exc: ValueError) -> Response:
        return Response({"by": "instance", "error": str(exc)}, status=400)


@pytest.mark.parametrize(
    ("fn", "by"),
    [
        (lambda request, exc: Response({"by": "lambda", "error": str(exc)}, status=400), "lambda"),
        (lambda *args: Response({"by": "args", "error": str(args[1])}, status=400), "args"),
        (
            lambda request, exc, extra="x": Response({"by": extra, "error": str(exc)}, status=400),
            "x",
        ),
        (_Handlers().method, "bound"),
        (_Handlers(), "instance"),
    ],
)
def test_exception_handlers_that_take_request_and_exc_register_and_answer(
    fn: Callable[..., Any], by: str
) -> None:
    app = App()

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("refused")

    app.exception_handler(ValueError)(fn)
    answer = TestClient(app).get("/boom")
    assert (answer.status, answer.json()) == (400, {"by": by, "error": "refused"})


def _include(outer: WebRegistry, inner: WebRegistry, how: Inclusion) -> None:
    """``inner``'s routes into ``outer``'s table, as an app includes a router's."""
    outer.table.add_adopted(outer.table.adopt(inner.table, how))


def test_an_included_http_route_goes_under_the_prefix_inside_its_routers_middleware() -> None:
    def middleware(request: Any, call_next: Any) -> Any:
        return call_next(request)

    inner = WebRegistry()
    route = inner.add_route(("GET",), "/{order_id}", by_path)
    how = Inclusion(prefix="/orders", tags=("orders",), middleware=(middleware,))
    adopted = inner.routes.adopt(route, how)
    assert adopted.template == "/orders/{order_id}" and adopted.tags == ("orders",)
    assert adopted.middleware == (middleware,) and adopted.plan is route.plan
    assert inner.routes.named(adopted) == "the route GET /orders/{order_id}"


def test_an_idempotent_route_included_into_an_app_without_a_store_is_refused() -> None:
    inner = WebRegistry()
    route = inner.add_route(("POST",), "/orders", on_message, idempotent=True)
    assert inner.routes.adopt(route, Inclusion()).idempotent  # into a router: checked later
    with pytest.raises(ConfigurationError, match=r"route POST /v1/orders \(included\)"):
        inner.routes.adopt(route, Inclusion(prefix="/v1", checked=True))


def test_include_adds_routes_under_the_prefix_and_the_other_families_as_they_are() -> None:
    inner = WebRegistry()
    inner.add_route(("GET",), "/{order_id}", by_path)
    inner.add_websocket("$default", on_message)
    outer = WebRegistry()
    _include(outer, inner, Inclusion(prefix="/orders", tags=("orders",)))
    (route,) = outer.routes.values()
    assert route.template == "/orders/{order_id}" and route.tags == ("orders",)
    assert len(outer.describe()) == 2 and outer.describe()[0].startswith("http(GET /orders/")
    assert outer.describe()[1] == inner.describe()[1]
    with pytest.raises(ConfigurationError, match="conflicts"):
        outer.table.adopt(inner.table, Inclusion(prefix="/orders"))
    assert len(outer.describe()) == 2  # the check adds nothing


def test_one_exception_type_with_two_handlers_conflicts_on_include() -> None:
    def mine(request: Any, exc: Exception) -> None: ...

    def theirs(request: Any, exc: Exception) -> None: ...

    outer, inner = WebRegistry(), WebRegistry()
    outer.add_exception_handler(KeyError, mine)
    inner.add_exception_handler(KeyError, theirs)
    with pytest.raises(ConfigurationError, match="for KeyError conflicts"):
        outer.check_include(inner)
    with pytest.raises(ConfigurationError, match="for KeyError conflicts"):
        outer.include(inner)
    same = WebRegistry()
    same.add_exception_handler(KeyError, mine)
    outer.include(same)  # the same handler twice is no conflict


def _found(matcher: Matcher[Any, Any, Any], key: object) -> Any:
    """What ``matcher`` finds for ``key``, which it must find."""
    found = matcher.lookup(key)
    assert found is not None, key
    return found


def test_web_routes_live_in_the_route_table_given_each_family_one_matcher() -> None:
    table = RouteTable()
    web = WebRegistry(table)
    web.add_route(("GET",), "/orders/{order_id}", by_path)
    web.add_websocket("$default", on_message)
    web.add_authorizer(None, on_message)
    web.add_edge("viewer-request", "/img/*", on_message)
    web.add_edge("viewer-request", None, on_message)
    names = [name for name, _ in table.matchers()]
    assert names == ["records", "request", "websocket", "authorizer", "edge"]
    assert table.describe() == web.describe() and len(web.describe()) == 5
    assert list(table) == []  # iterating the table: its record routes only
    paths = table.matcher("request")
    assert paths is not None
    endpoint, params = _found(paths, ("/orders/7", False))
    assert endpoint.path.template == "/orders/{order_id}" and params == {"order_id": "7"}
    assert paths.lookup(("/nowhere", False)) is None
    sockets, authorizers, edges = (table.matcher(n) for n in names[2:])
    assert sockets is not None and authorizers is not None and edges is not None
    assert _found(sockets, "any-action").route_key == "$default"
    assert _found(authorizers, "TOKEN").kind is None  # the catch-all takes every kind
    assert _found(edges, ("viewer-request", "/img/a.png")).path == "/img/*"
    assert _found(edges, ("viewer-request", "/doc")).path is None
    assert edges.lookup(("origin-request", "/img/a.png")) is None


def test_a_conflict_through_the_table_names_both_and_adds_nothing() -> None:
    table = RouteTable()
    web = WebRegistry(table)
    first = web.add_route(("GET",), "/orders/{order_id}", by_path)
    second = WebRegistry().add_route(("GET", "PUT"), "/orders/{order_id}", typed)
    with pytest.raises(ConfigurationError, match=r"GET /orders/\{order_id\} -> .*typed conflicts"):
        table.add_to("request", second)
    assert list(web.routes) == [first]
    table.freeze()
    with pytest.raises(ConfigurationError, match="started handling events"):
        web.add_websocket("$connect", on_message)


@pytest.mark.parametrize("family", ["websocket", "authorizer", "edge"])
def test_a_conflict_in_any_family_on_include_adds_nothing(family: str) -> None:
    add: Callable[[WebRegistry], object] = {
        "websocket": lambda web: web.add_websocket("$default", on_message),
        "authorizer": lambda web: web.add_authorizer("TOKEN", on_message),
        "edge": lambda web: web.add_edge("viewer-request", "/a/*", on_message),
    }[family]
    outer, inner = WebRegistry(), WebRegistry()
    add(outer)
    inner.add_route(("GET",), "/orders/{order_id}", by_path)
    inner.add_websocket("$connect", on_message)
    add(inner)
    before = outer.describe()
    with pytest.raises(ConfigurationError, match="registered"):
        _include(outer, inner, Inclusion(prefix="/v1"))
    assert outer.describe() == before  # found before anything was added


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"max_body_size": -1}, "max_body_size must be a whole number of bytes >= 0 or None"),
        ({"max_body_size": 1.5}, "max_body_size must be a whole number of bytes >= 0 or None"),
        ({"api_gateway_timeout": float("nan")}, "api_gateway_timeout must be a finite number"),
        ({"api_gateway_timeout": -3}, "api_gateway_timeout must be a finite number"),
    ],
)
def test_an_http_option_out_of_its_range_is_refused(options: dict[str, Any], said: str) -> None:
    with pytest.raises(ConfigurationError, match=said):
        HttpConfig(**options)
    assert HttpConfig(max_body_size=None, api_gateway_timeout=60).max_body_size is None


def _by_x(x: str) -> str:
    return x


def _by_y(y: str) -> str:
    return y


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/p/{x}", "/p/{y}"),
        ("/g/{x+}", "/g/{y+}"),
        ("/r/{x}.csv", "/r/{y}.csv/"),
        ("/a/{x}/b", "/a/{y}/b"),
    ],
)
def test_templates_differing_only_in_parameter_names_conflict(first: str, second: str) -> None:
    """The second would never be reached: refused, naming both, as the same template is."""
    app = App()
    app.get(first)(_by_x)
    with pytest.raises(ConfigurationError) as raised:
        app.get(second)(_by_y)
    message = str(raised.value)
    assert "_by_y conflicts with GET " in message and "_by_x" in message
    assert "differ only in their parameters' names" in message
    app.post(second)(_by_y)  # another method is another route


def test_a_router_s_twin_template_conflicts_at_include() -> None:
    router = Router()
    router.get("/p/{y}")(_by_y)
    app = App()
    app.get("/v1/p/{x}")(_by_x)
    with pytest.raises(ConfigurationError, match="differ only in their parameters' names"):
        app.include(router, prefix="/v1")


def test_templates_of_other_shapes_stand_side_by_side() -> None:
    app = App()
    app.get("/s/{x}")(_by_x)
    app.get("/s/{y}.csv")(_by_y)
    app.get("/s/{y+}")(_by_y)
    app.get("/t/{x}/{y}")(lambda x, y: x + y)
    client = TestClient(app)
    assert [client.get(p).text for p in ("/s/a", "/s/a.csv", "/s/a/b", "/t/a/b")] == [
        "a", "a", "a/b", "ab"]  # fmt: skip
