"""HTTP middleware: order, short-circuit, response changes, errors (lambent.http._middleware)."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from lambent import App, ConfigurationError, Router
from lambent.http import CallNext, HTTPException, Request, Response
from lambent.testing import TestClient


def _app(calls: list[str]) -> App:
    app = App()

    @app.middleware
    async def first(request: Request, call_next: CallNext) -> Response:
        calls.append("first in")
        response = await call_next(request)
        calls.append("first out")
        response.headers["X-First"] = "1"
        return response

    @app.middleware
    async def second(request: Request, call_next: CallNext) -> Response:
        calls.append("second in")
        if request.headers.get("x-block"):
            return Response({"blocked": True}, status=403)
        response = await call_next(request)
        calls.append("second out")
        response.headers["X-Status-Seen"] = str(response.status)
        return response

    @app.get("/hello")
    def hello() -> str:
        calls.append("handler")
        return "hi"

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2")

    return app


def test_middleware_runs_outermost_first_and_can_change_the_response() -> None:
    calls: list[str] = []
    r = TestClient(_app(calls)).get("/hello")
    assert r.text == "hi" and r.headers["x-first"] == "1" and r.headers["x-status-seen"] == "200"
    assert calls == ["first in", "second in", "handler", "second out", "first out"]


def test_a_middleware_may_answer_without_calling_the_route() -> None:
    calls: list[str] = []
    r = TestClient(_app(calls)).get("/hello", headers={"X-Block": "1"})
    assert r.status == 403 and r.json() == {"blocked": True} and r.headers["x-first"] == "1"
    assert calls == ["first in", "second in", "first out"]


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_app_middleware_sees_lambents_own_answers_and_handler_failures(source: str) -> None:
    calls: list[str] = []
    client = TestClient(_app(calls), source=source)
    assert client.get("/nowhere").headers["x-status-seen"] == "404"
    with capture_logs() as logs:
        r = client.get("/boom")
    assert r.status == 500 and r.headers["x-status-seen"] == "500" and "hunter2" not in r.text
    assert [e["event"] for e in logs if e["log_level"] == "error"] == [
        "unhandled error in HTTP handler"
    ]


def test_an_exception_in_a_middleware_is_a_500_without_internals_logged_once() -> None:
    app = App()
    outer_saw: list[str] = []

    @app.middleware
    async def outer(request: Request, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except RuntimeError as exc:
            outer_saw.append(type(exc).__name__)
            raise

    @app.middleware
    async def broken(request: Request, call_next: CallNext) -> Response:
        raise RuntimeError("secret=42")

    @app.get("/x")
    def x() -> str:
        return "x"

    with capture_logs() as logs:
        r = TestClient(app).get("/x")
    assert r.status == 500 and "secret" not in r.text and r.json()["request_id"]
    assert outer_saw == ["RuntimeError"]
    errors = [e for e in logs if e["log_level"] == "error"]
    assert len(errors) == 1 and errors[0]["error"] == "RuntimeError: secret=42"


def test_an_http_exception_raised_by_a_middleware_answers_its_status() -> None:
    app = App()

    @app.middleware
    async def auth(request: Request, call_next: CallNext) -> Response:
        if "authorization" not in request.headers:
            raise HTTPException(401, "who are you?")
        return await call_next(request)

    @app.get("/me")
    def me() -> str:
        return "me"

    client = TestClient(app)
    assert client.get("/me").json()["message"] == "who are you?"
    assert client.get("/me", headers={"Authorization": "x"}).text == "me"


def test_router_middleware_wraps_only_its_routes_inside_the_apps() -> None:
    calls: list[str] = []
    app, router = App(), Router()

    @app.middleware
    async def app_mw(request: Request, call_next: CallNext) -> Response:
        calls.append("app")
        return await call_next(request)

    @router.middleware
    async def router_mw(request: Request, call_next: CallNext) -> Response:
        calls.append(f"router {request.route}")
        request.state.user = "ada"
        return await call_next(request)

    @router.get("/inside")
    def inside(request: Request) -> str:
        return str(request.state.user)

    @app.get("/outside")
    def outside() -> str:
        return "out"

    app.include(router, prefix="/r")
    client = TestClient(app)
    assert client.get("/r/inside").text == "ada"
    assert client.get("/outside").text == "out"
    assert calls == ["app", "router /r/inside", "app"]


def test_a_middleware_must_be_an_async_function_of_request_and_call_next() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="async def"):
        app.middleware(lambda request, call_next: None)  # type: ignore[type-var]  # not async

    async def one(request: Request) -> Response:
        return Response()

    with pytest.raises(ConfigurationError, match="two arguments"):
        app.middleware(one)  # its arity: refused when registered, as the types allow it
    with pytest.raises(ConfigurationError) as raised:
        app.middleware("http")  # type: ignore[type-var]  # FastAPI's spelling
    assert str(raised.value) == (
        "@app.middleware takes the middleware itself: write @app.middleware, not "
        "@app.middleware('http') (it wraps every HTTP request)"
    )


def test_a_middleware_returning_a_plain_value_answers_with_it() -> None:
    app = App()

    @app.middleware
    async def plain(request: Request, call_next: CallNext) -> dict[str, bool]:
        return {"plain": True}

    @app.get("/x")
    def x() -> str:
        return "x"

    assert TestClient(app).get("/x").json() == {"plain": True}


def test_middleware_with_cors_and_head() -> None:
    from lambent.http import CORS

    app = App()
    app.configure_http(cors=CORS(allow_origins=["https://a.example"]))
    seen: list[str] = []

    @app.middleware
    async def record(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        seen.append(f"{request.method} {response.status}")
        return response

    @app.get("/x")
    def x() -> dict[str, int]:
        return {"x": 1}

    client = TestClient(app)
    preflight = client.options(
        "/x", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status == 204
    r = client.get("/x", headers={"Origin": "https://a.example"})
    assert r.json() == {"x": 1}
    assert r.headers["access-control-allow-origin"] == "https://a.example"
    head = client.head("/x")
    assert head.status == 200 and head.content == b""
    assert seen == ["OPTIONS 204", "GET 200", "HEAD 200"]


def test_a_streamed_body_goes_through_middleware_as_a_streaming_response() -> None:
    from collections.abc import AsyncIterator

    from lambent.http import StreamingResponse

    app = App()
    kinds: list[str] = []

    @app.middleware
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        kinds.append(type(response).__name__)
        response.headers["X-Tag"] = "1"
        return response

    async def count() -> AsyncIterator[str]:
        for n in range(3):
            yield f"{n},"

    @app.get("/numbers")
    async def numbers() -> StreamingResponse:
        return StreamingResponse(count(), media_type="text/plain")

    r = TestClient(app).get("/numbers")  # the test client answers it whole
    assert r.text == "0,1,2," and r.headers["x-tag"] == "1"
    assert kinds == ["StreamingResponse"]
