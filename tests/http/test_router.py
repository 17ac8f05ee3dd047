"""The web router's answers (lambent.http._router): exception handlers, 500s without
internals, 413, 422 messages, 504 at the deadline, and the automatic HEAD and OPTIONS;
every way a handler runs (plain, async, threaded, with dependencies, compiled) answering
alike at the deadline and for a handler's own ``BaseException``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated, Any

import anyio
import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, HandlerError
from lambent._fast import general_path
from lambent.http import CORS, Depends, Request, Response
from lambent.testing import FakeContext, TestClient, http_request
from lambent.testing.events.http import HttpSource


class Order(msgspec.Struct):
    id: int
    lines: list[dict[str, int]] = []


def make_app() -> App:
    app = App()

    @app.post("/orders")
    def create(order: Order) -> Order:
        return order

    return app


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ('{"id": "x"}', 422, "$.id"),
        ('{"id": 1, "lines": [{"a": "b"}]}', 422, "$.lines[0][...]"),
        ("{not json", 422, "malformed"),
        ("", 422, "required"),
        ("[1]", 422, "Expected `object`"),
    ],
)
def test_bad_bodies_are_4xx_with_a_useful_message(body: str, status: int, fragment: str) -> None:
    r = TestClient(make_app()).post(
        "/orders", body=body, headers={"content-type": "application/json"}
    )
    assert r.status == status
    assert fragment.lower() in (r.json()["message"] + r.json().get("path", "")).lower()


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_oversized_body_is_413(source: str) -> None:
    app = make_app()
    app.configure_http(max_body_size=100)
    client = TestClient(app)
    r = client.post(
        "/orders", json={"id": 1, "lines": [{"x": i} for i in range(50)]}, source=source
    )
    assert r.status == 413 and "limit" in r.json()["message"]
    binary = client.post("/orders", body=b"x" * 101, source=source)
    assert binary.status == 413
    assert client.post("/orders", json={"id": 1}, source=source).status == 200


async def test_deadline_answers_504_before_time_runs_out() -> None:
    app = App(deadline_margin=0.05)

    @app.get("/slow")
    async def slow() -> str:
        await anyio.sleep(5)
        return "done"

    event = http_request("GET", "/slow", source="function-url")
    context = FakeContext(timeout=0.3)
    with anyio.fail_after(2):
        out = await app.dispatch(event, context)
    assert out["statusCode"] == 504


@pytest.mark.parametrize(
    ("source", "limited"),
    [("apigw-rest", True), ("apigw-http", True), ("alb", False), ("function-url", False)],
)
async def test_api_gateway_29_second_limit(source: HttpSource, limited: bool) -> None:
    """API Gateway sources are bounded by the integration timeout (here 0.6 s, minus the
    0.5 s margin), Function URLs and ALB by the Lambda time left only."""
    app = App(deadline_margin=0.5)
    app.configure_http(api_gateway_timeout=0.6)

    @app.get("/t")
    async def t() -> str:
        await anyio.sleep(0.3)
        return "ok"

    with anyio.fail_after(5):
        out = await app.dispatch(
            http_request("GET", "/t", source=source),
            FakeContext(timeout=900),
        )
    assert out["statusCode"] == (504 if limited else 200)


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class Halt(BaseException):
    pass


ODD = {
    "unprintable": Unprintable,
    "keyboard": KeyboardInterrupt,
    "exit": SystemExit,
    "custom": Halt,
    "cancelled": asyncio.CancelledError,
}


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_exceptions_answer_500_with_the_request_id(name: str, is_async: bool) -> None:
    app = App()
    error = ODD[name]

    if is_async:

        @app.get("/odd")
        async def odd_async() -> None:
            raise error()

    else:

        @app.get("/odd")
        def odd() -> None:
            raise error()

    with capture_logs() as logs:
        r = TestClient(app).get("/odd")
    assert r.status == 500 and r.json()["request_id"]
    [entry] = [e for e in logs if e["event"] == "unhandled error in HTTP handler"]
    assert error.__name__ in entry["error"]


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "alb"])
@pytest.mark.parametrize("as_response", [False, True])
def test_a_result_that_cannot_be_encoded_is_the_json_500(source: str, as_response: bool) -> None:
    app = App()

    @app.get("/thing")
    def thing() -> Any:
        value = {"when": object()}
        return Response(value) if as_response else value

    with capture_logs() as logs:
        r = TestClient(app).get("/thing", source=source)
    assert r.status == 500 and r.json()["request_id"]
    [entry] = [e for e in logs if e["event"] == "cannot render the HTTP response"]
    assert "TypeError" in entry["error"]


@pytest.mark.parametrize(
    ("headers", "cookies", "named"),
    [
        ({"X-Next": "a\r\nSet-Cookie: stolen=1"}, [], "X-Next"),
        ({"X-Bad\nName": "v"}, [], "X-Bad\nName"),
        ({}, ["id=1\r\nX-Injected: 1"], "Set-Cookie"),
    ],
)
@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "alb"])
def test_cr_or_lf_in_a_response_header_is_never_sent(
    headers: dict[str, str], cookies: list[str], named: str, source: str
) -> None:
    app = App()

    @app.get("/split")
    def split() -> Response:
        return Response("ok", headers=headers, cookies=cookies)

    with capture_logs() as logs:
        r = TestClient(app).get("/split", source=source)
    assert r.status == 500 and r.json()["request_id"]
    assert "Injected" not in str(r.headers) and "stolen" not in str(r.headers)
    [entry] = [e for e in logs if e["event"] == "cannot render the HTTP response"]
    assert repr(named) in entry["error"]


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
@pytest.mark.parametrize("base64_flag", [False, True])
def test_a_body_with_a_lone_surrogate_is_a_400(source: HttpSource, base64_flag: bool) -> None:
    app = App()

    @app.post("/items")
    def create(body: dict[str, Any]) -> dict[str, Any]:
        return body

    event = http_request("POST", "/items", body="{}", source=source)
    event["body"], event["isBase64Encoded"] = '{"name": "\ud800"}', base64_flag
    out = app.handler(event, FakeContext())
    assert out["statusCode"] == 400
    assert "surrogate" in msgspec.json.decode(out["body"])["message"]


def test_head_comes_from_get_and_options_lists_the_methods() -> None:
    app = App()

    @app.get("/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.delete("/items/{item_id}")
    def remove(item_id: str) -> None: ...

    client = TestClient(app)
    got = client.get("/items/7")
    head = client.head("/items/7")
    assert head.status == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    options = client.options("/items/7")
    assert options.status in (200, 204)
    assert set(options.headers["allow"].replace(" ", "").split(",")) >= {
        "GET",
        "HEAD",
        "DELETE",
        "OPTIONS",
    }
    refused = client.put("/items/7")
    assert refused.status == 405 and "DELETE" in refused.headers["allow"]


def _proxied_app() -> App:
    app = App()
    app.configure_http(cors=CORS())

    @app.get("/items")
    def items() -> str:
        return "items"

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.route("/{proxy+}", methods=["GET", "POST", "PUT"])
    def proxy(proxy: str, request: Request) -> dict[str, str | None]:
        return {"proxy": proxy, "route": request.route}

    return app


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
@pytest.mark.parametrize("general", [False, True], ids=["compiled", "general"])
def test_a_method_the_most_specific_template_lacks_goes_to_a_less_specific_one(
    source: HttpSource, general: bool
) -> None:
    """``POST /items`` beside ``GET /items`` and a catch-all ``/{proxy+}`` taking POST is
    the catch-all's, as API Gateway (HTTP APIs), Starlette and Powertools route it; it was
    a 405. A method no matching template takes is still a 405, allowing every method one
    of them takes."""
    client = TestClient(_proxied_app(), source=source)
    with general_path() if general else contextlib.nullcontext():
        answers = {
            (method, path): (r.status, r.json() if r.content else None, r.headers.get("allow"))
            for method, path in [("POST", "/items"), ("PUT", "/items/7"), ("GET", "/items/7"),
                                 ("DELETE", "/items/7"), ("HEAD", "/items"), ("OPTIONS", "/items")]
            for r in [client.request(method, path)]
        }  # fmt: skip
    everything = "GET, HEAD, POST, PUT, OPTIONS"
    assert answers == {
        ("POST", "/items"): (200, {"proxy": "items", "route": "/{proxy+}"}, None),
        ("PUT", "/items/7"): (200, {"proxy": "items/7", "route": "/{proxy+}"}, None),
        ("GET", "/items/7"): (200, 7, None),
        ("DELETE", "/items/7"): (405, {
            "status": 405, "error": "Method Not Allowed",
            "message": "DELETE is not allowed on /items/{item_id}"}, everything),
        ("HEAD", "/items"): (200, None, None),
        ("OPTIONS", "/items"): (204, None, everything),
    }  # fmt: skip
    preflight = client.options(
        "/items", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-methods"] == everything


#: how a route's handler runs: "plain" in an app of plain handlers is answered by the
#: compiled routes; "plain, on a loop" (beside an async route) by the router's inline path
KINDS = ["plain", "plain, on a loop", "async", "threaded", "plain, Depends", "async Depends"]


#: which of a handler and its provider ran (``app_of`` clears it)
RAN: list[str] = []


def _provider() -> int:
    RAN.append("provider")
    return 1


async def _provider_async() -> int:
    await anyio.lowlevel.checkpoint()
    RAN.append("provider")
    return 1


async def _provider_slow() -> int:
    await anyio.sleep(5)
    return 1


PLAIN_DEP = Depends(_provider)
ASYNC_DEP = Depends(_provider_async)
SLOW_DEP = Depends(_provider_slow)


def app_of(kind: str, act: Any, *, margin: float = 0.5) -> tuple[App, list[str]]:
    """An app whose ``GET /k`` runs ``act()`` (what its handler does) as ``kind`` says,
    and the list of which of the handler and its provider ran."""
    app = App(deadline_margin=margin)
    RAN.clear()
    ran = RAN

    if kind == "async":

        @app.get("/k")
        async def handler_async() -> Any:
            ran.append("handler")
            return act()

    elif kind == "plain, Depends":

        @app.get("/k")
        def handler_dep(one: Annotated[int, PLAIN_DEP]) -> Any:
            ran.append("handler")
            return act()

    elif kind == "async Depends":

        @app.get("/k")
        def handler_async_dep(one: Annotated[int, ASYNC_DEP]) -> Any:
            ran.append("handler")
            return act()

    else:

        @app.get("/k", threaded=kind == "threaded")
        def handler() -> Any:
            ran.append("handler")
            return act()

    if kind == "plain, on a loop":

        @app.get("/other")
        async def other() -> None:
            pass

    return app, ran


def _raise(error: type[BaseException]) -> Any:  # a handler's action
    def act() -> Any:
        raise error()

    return act


def _raise_later(error: type[BaseException]) -> Any:  # a handler's action
    """What a handler that returns an awaitable does: the awaitable raises ``error``."""

    async def later() -> None:
        raise error()

    return later


OWN = [KeyboardInterrupt, SystemExit, Halt, asyncio.CancelledError, Unprintable]

#: the kinds whose handler's result the router awaits when it is awaitable: plain
#: handlers run inline (a threaded one's, or one's after async providers, is the value
#: of the awaited call, as an async handler's is, and is not awaited again)
AWAITED = ("plain", "plain, on a loop", "plain, Depends")
#: (kind, how the handler fails): every kind raises; those of AWAITED also return an
#: awaitable that raises
FAILS = [
    pytest.param(kind, how, id=f"{kind}-{label}")
    for kind in KINDS
    for label, how in (("raised", _raise), ("by its awaitable", _raise_later))
    if how is _raise or kind in AWAITED
]


@pytest.mark.parametrize("handled", [False, True])
@pytest.mark.parametrize("error", OWN)
@pytest.mark.parametrize(("kind", "how"), FAILS)
def test_a_handler_s_own_exception_is_answered_alike_however_it_runs(
    kind: str, how: Any, error: type[BaseException], handled: bool
) -> None:
    """A ``BaseException`` a handler raises itself (its own ``CancelledError`` too, which
    is not lambent's deadline), or that the awaitable it returns raises (a plain handler
    returning a coroutine), is a ``HandlerError`` naming the handler and the exception,
    whether the handler is plain, async, threaded, has dependencies or is compiled: the
    same 500 with the request id and log line, and the same exception handlers."""
    app, ran = app_of(kind, how(error))
    seen: list[BaseException | None] = []
    if handled:

        @app.exception_handler(HandlerError)
        def own(request: Request, exc: HandlerError) -> Response:
            seen.append(exc.__cause__)
            return Response({"cause": type(exc.__cause__).__name__}, status=503)

    with capture_logs() as logs:
        out = app.handler(http_request("GET", "/k", source="apigw-http"), FakeContext())
    assert ran[-1] == "handler"
    body = msgspec.json.decode(out["body"])
    if handled and error is not Unprintable:
        assert out["statusCode"] == 503 and body == {"cause": error.__name__}
        assert [type(e) for e in seen] == [error]
        assert not [e for e in logs if e["event"] == "unhandled error in HTTP handler"]
        return
    assert out["statusCode"] == 500 and body["request_id"] and seen == []
    [entry] = [e for e in logs if e["event"] == "unhandled error in HTTP handler"]
    if error is Unprintable:  # an Exception: passed on as it is
        assert entry["error"] == "Unprintable: <str() failed>"
    else:
        assert entry["error"].startswith("HandlerError: ")
        assert "app_of.<locals>.handler" in entry["error"]
        assert f"raised {error.__name__}" in entry["error"]


#: what the providers below raise (set by the test)
PROVIDER_RAISES: list[type[BaseException]] = []


def _failing_provider() -> int:
    raise PROVIDER_RAISES[0]()


async def _failing_provider_async() -> int:
    await anyio.lowlevel.checkpoint()
    raise PROVIDER_RAISES[0]()


@pytest.mark.parametrize("error", OWN)
@pytest.mark.parametrize("is_async", [False, True], ids=["plain provider", "async provider"])
def test_a_provider_s_own_exception_is_its_handler_s_failure(
    error: type[BaseException], is_async: bool
) -> None:
    """A ``BaseException`` a provider raises is a ``HandlerError`` naming the route's
    handler, however the provider runs (solved inline, or awaited on the loop); an
    ``Exception`` passes on as it is. The handler never runs."""
    PROVIDER_RAISES[:] = [error]
    app, ran = App(), []
    if is_async:

        @app.get("/k")
        def handler_async_dep(one: Annotated[int, Depends(_failing_provider_async)]) -> Any:
            ran.append("handler")

    else:

        @app.get("/k")
        def handler_dep(one: Annotated[int, Depends(_failing_provider)]) -> Any:
            ran.append("handler")

    with capture_logs() as logs:
        out = app.handler(http_request("GET", "/k", source="apigw-http"), FakeContext())
    assert out["statusCode"] == 500 and ran == []
    [entry] = [e for e in logs if e["event"] == "unhandled error in HTTP handler"]
    if error is Unprintable:
        assert entry["error"] == "Unprintable: <str() failed>"
    else:
        name = "handler_async_dep" if is_async else "handler_dep"
        assert entry["error"].startswith("HandlerError: ") and f".{name}: raised" in entry["error"]
        assert f"raised {error.__name__}" in entry["error"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_time_left_runs_no_handler_and_no_async_dependency(kind: str) -> None:
    """Plain providers are solved inline just before the one deadline read (they ran);
    the handler and async providers never start."""
    app, ran = app_of(kind, lambda: "ran", margin=0.5)
    with capture_logs() as logs:
        out = app.handler(http_request("GET", "/k", source="apigw-http"), FakeContext(timeout=0.2))
    assert out["statusCode"] == 504 and msgspec.json.decode(out["body"])["request_id"]
    assert ran == (["provider"] if kind == "plain, Depends" else [])
    [entry] = [e for e in logs if e["event"] == "HTTP handler timed out"]
    assert entry["error"] == "no time left before the deadline"


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    timeout=st.floats(min_value=0.0, max_value=3.0),
    margin=st.floats(min_value=0.0, max_value=2.0),
)
def test_a_request_runs_exactly_when_time_is_left(kind: str, timeout: float, margin: float) -> None:
    """However the handler runs, it and its provider run (200) exactly when the Lambda
    time left is over the margin; otherwise the handler does not start (504), nor does
    an async provider (a plain one is solved inline before the deadline is read)."""
    assume(abs(timeout - margin) > 0.2)  # far from the edge: the clock moves meanwhile
    app, ran = app_of(kind, lambda: {"ok": True}, margin=margin)
    with capture_logs():
        out = app.handler(http_request("GET", "/k"), FakeContext(timeout=timeout))
    if timeout > margin:
        assert out["statusCode"] == 200 and ran[-1] == "handler"
        assert ran[:-1] == (["provider"] if "Depends" in kind else [])
    else:
        assert out["statusCode"] == 504
        assert ran == (["provider"] if kind == "plain, Depends" else [])


@pytest.mark.parametrize("kind", KINDS)
def test_time_left_runs_the_handler_and_its_dependencies(kind: str) -> None:
    app, ran = app_of(kind, lambda: {"ok": True}, margin=0.5)
    out = app.handler(http_request("GET", "/k", source="apigw-http"), FakeContext(timeout=5))
    assert out["statusCode"] == 200 and msgspec.json.decode(out["body"]) == {"ok": True}
    assert ran == (["provider", "handler"] if "Depends" in kind else ["handler"])


async def test_a_dependency_still_running_at_the_deadline_answers_504_and_the_handler_never_runs() -> (
    None
):
    app = App(deadline_margin=0.05)
    ran: list[str] = []

    @app.get("/k")
    def handler(one: Annotated[int, SLOW_DEP]) -> str:
        ran.append("handler")
        return "late"

    with capture_logs() as logs, anyio.fail_after(2):
        out = await app.dispatch(http_request("GET", "/k"), FakeContext(timeout=0.3))
    assert out["statusCode"] == 504 and ran == []
    [entry] = [e for e in logs if e["event"] == "HTTP handler timed out"]
    assert entry["error"].startswith("the dependencies did not finish within 0.2")


@pytest.mark.parametrize("where", ["handler", "threaded handler", "dependency"])
async def test_a_cancellation_from_outside_passes_through_not_a_500(where: str) -> None:
    """Cancelling the task that answers (an outer cancel scope) cancels the request: no
    answer, nothing logged as the handler's failure."""
    app = App()

    if where == "dependency":

        @app.get("/k")
        def handler(one: Annotated[int, SLOW_DEP]) -> str:
            return "late"

    elif where == "threaded handler":

        @app.get("/k", threaded=True)
        def threaded() -> str:
            time.sleep(0.5)
            return "late"

    else:

        @app.get("/k")
        async def handler_async() -> str:
            await anyio.sleep(5)
            return "late"

    with capture_logs() as logs, anyio.fail_after(2):
        with anyio.move_on_after(0.05) as scope:
            await app.dispatch(http_request("GET", "/k"), FakeContext(timeout=900))
    assert scope.cancelled_caught
    assert not [e for e in logs if e.get("log_level") in ("error", "warning")]
