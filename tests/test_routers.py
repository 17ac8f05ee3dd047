"""Routers: every decorator of an App, included with a prefix on HTTP paths only."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, BatchInfo, ConfigurationError, Router
from lambent.http import Request, Response
from lambent.testing import (
    FakeContext,
    TestClient,
    cognito_event,
    eventbridge_event,
    sqs_event,
    websocket_event,
)


class Order(msgspec.Struct):
    id: int


def test_the_prefix_applies_to_http_paths_and_not_to_record_routes() -> None:
    router = Router()
    seen: list[int] = []

    @router.get("/orders/{order_id}")
    def get_order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    @router.sqs("orders")
    def on_order(order: Order) -> None:
        seen.append(order.id)

    app = App()
    app.include(router, prefix="/v1/")
    assert TestClient(app).get("/v1/orders/7").json() == {"id": 7}
    assert app.handler(sqs_event({"id": 3}, queue="orders"), FakeContext()) == {
        "batchItemFailures": []
    }
    assert seen == [3]


def test_routers_include_routers_and_prefixes_add_up() -> None:
    inner, outer = Router(tags=["inner"]), Router(tags=["outer"])

    @inner.get("/")
    def root() -> str:
        return "inner root"

    @inner.post("/things")
    def make() -> Response:
        return Response("made", status=201)

    outer.include(inner, prefix="/b")
    app = App()
    app.include(outer, prefix="/a")
    client = TestClient(app)
    assert client.get("/a/b").text == "inner root"
    assert client.post("/a/b/things").status == 201
    assert client.get("/a/things").status == 404


def test_a_route_conflict_between_two_routers_names_both_routes() -> None:
    first, second = Router(), Router()

    @first.get("/x")
    def one() -> str:
        return "1"

    @second.get("/x/")
    def two() -> str:
        return "2"

    app = App()
    app.include(first)
    with pytest.raises(ConfigurationError) as raised:
        app.include(second)
    assert "GET /x" in str(raised.value)
    assert "two" in str(raised.value) and "one" in str(raised.value)


def test_a_router_takes_no_routes_once_included() -> None:
    router = Router()
    App().include(router)
    with pytest.raises(ConfigurationError, match="included already"):

        @router.get("/late")
        def late() -> None: ...

    with pytest.raises(ConfigurationError, match="included already"):

        @router.sqs("late")
        def late_queue(body: bytes) -> None: ...


@pytest.mark.parametrize("prefix", ["v1", "/v1/{tenant}", "/a//b"])
def test_a_prefix_is_a_literal_absolute_path(prefix: str) -> None:
    with pytest.raises(ConfigurationError, match="include prefix"):
        App().include(Router(), prefix=prefix)


def test_include_takes_routers_only_and_never_itself() -> None:
    router = Router()
    with pytest.raises(ConfigurationError, match="a router cannot include itself"):
        router.include(router)
    with pytest.raises(ConfigurationError, match=r"takes a lambent\.Router"):
        App().include(App())  # type: ignore[arg-type]


def test_http_options_are_the_apps() -> None:
    with pytest.raises(ConfigurationError, match="app option"):
        Router().configure_http(max_body_size=1)


@pytest.mark.parametrize(("strict_fifo", "expected_runs"), [(False, ["a1", "b1"]), (True, ["a1"])])
def test_fifo_routes_of_a_router_follow_the_including_apps_default(
    strict_fifo: bool, expected_runs: list[str]
) -> None:
    router = Router()
    ran: list[str] = []

    @router.sqs("jobs.fifo")
    def job(body: dict[str, str]) -> None:
        ran.append(body["id"])
        if body["id"] == "a1":
            raise RuntimeError("fails")

    app = App(strict_fifo=strict_fifo)
    app.include(router)
    event = sqs_event({"id": "a1"}, {"id": "b1"}, queue="jobs.fifo", group_id=["a", "b"])
    app.handler(event, FakeContext())
    assert sorted(ran) == expected_runs


def test_batch_hooks_exception_handlers_and_other_web_routes_come_along() -> None:
    router = Router()
    hooks: list[int] = []

    class Missing(Exception):
        pass

    @router.before_batch
    def count(batch: BatchInfo) -> None:
        hooks.append(len(batch.items))

    @router.eventbridge(source="shop")
    def on_event(detail: dict[str, int]) -> int:
        return detail["n"]

    @router.get("/missing")
    def missing() -> None:
        raise Missing

    @router.exception_handler(Missing)
    def on_missing(request: Request, exc: Missing) -> Response:
        return Response("gone", status=410)

    @router.websocket("$default")
    def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    app = App()
    app.include(router)
    assert TestClient(app).get("/missing").status == 410
    event = eventbridge_event({"n": 5}, source="shop", detail_type="x")
    assert app.handler(event, FakeContext()) == 5
    assert hooks == [1]
    answer = app.handler(websocket_event(json={"n": 1}), FakeContext())
    assert answer["statusCode"] == 200 and msgspec.json.decode(answer["body"]) == {"n": 1}


def test_one_exception_type_handled_by_two_different_handlers_conflicts() -> None:
    app, router = App(), Router()

    @app.exception_handler(KeyError)
    def mine(request: Request, exc: KeyError) -> str:
        return "mine"

    @router.exception_handler(KeyError)
    def theirs(request: Request, exc: KeyError) -> str:
        return "theirs"

    with pytest.raises(ConfigurationError, match=r"theirs.*conflicts with.*mine"):
        app.include(router)


segment = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@settings(max_examples=25, deadline=None)
@given(
    groups=st.lists(
        st.lists(
            st.tuples(segment, st.booleans()), min_size=1, max_size=4, unique_by=lambda t: t[0]
        ),
        min_size=1,
        max_size=3,
    ),
    prefix=st.sampled_from(["", "/v1", "/api/v2"]),
)
def test_routes_on_routers_answer_as_the_same_routes_on_one_app(
    groups: list[list[tuple[str, bool]]], prefix: str
) -> None:
    """Splitting routes over routers (group ``g`` under ``/g{g}``) and including them
    under ``prefix`` changes no answer."""
    one, split = App(), App()
    paths: list[str] = []
    for g, routes in enumerate(groups):
        router = Router()
        for name, with_param in routes:
            path = f"/{name}/{{item}}" if with_param else f"/{name}"

            def handler(item: str = "-", _id: str = f"{g}:{name}") -> str:
                return f"{_id}:{item}"

            one.get(f"{prefix}/g{g}{path}")(handler)
            router.get(path)(handler)
            paths.append(f"{prefix}/g{g}/{name}" + ("/x" if with_param else ""))
        split.include(router, prefix=f"{prefix}/g{g}")
    a, b = TestClient(one), TestClient(split)
    for path in [*paths, f"{prefix}/nowhere"]:
        left, right = a.get(path), b.get(path)
        assert (left.status, left.text) == (right.status, right.text)


def test_a_failed_include_adds_nothing() -> None:
    app, router = App(), Router()

    @app.get("/b")
    def b_of_app() -> str:
        return "app"

    @router.sqs("orders")
    def on_order(body: bytes) -> None: ...

    @router.get("/a")
    def a() -> str:
        return "a"

    @router.get("/b")
    def b_of_router() -> str:
        return "router"

    with pytest.raises(ConfigurationError, match="b_of_router conflicts with"):
        app.include(router)
    client = TestClient(app)
    assert client.get("/a").status == 404 and client.get("/b").text == "app"
    assert len(app.routes) == 0  # the SQS route was not added either


def test_a_router_offers_the_decorators_sources_contribute() -> None:
    router = Router()

    @router.cognito("PreSignUp")
    def confirm(request: dict[str, object]) -> dict[str, bool]:
        return {"autoConfirmUser": True}

    app = App()
    app.include(router)
    answer = app.handler(cognito_event("PreSignUp_SignUp"), FakeContext())
    assert answer["triggerSource"] == "PreSignUp_SignUp"
    assert answer["response"]["autoConfirmUser"] is True
