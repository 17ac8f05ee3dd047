"""What a failed HTTP request answers (lambent.http._failures): exception handlers chosen
by type, lambent's own answers kept from handlers of ``Exception``, a handler's own
``HTTPException``, and the 500 with the request id and nothing internal, logged."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from lambent import App, DeadlineExceeded, HandlerError, LambentError
from lambent.http import HTTPException, Request, Response
from lambent.http._failures import exception_handler
from lambent.testing import TestClient


class OutOfStock(Exception):
    pass


def make_app() -> App:
    app = App()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    @app.get("/stock")
    def stock() -> None:
        raise OutOfStock("pen")

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"X-Why": "tea"})

    @app.exception_handler(OutOfStock)
    async def out_of_stock(request: Request, exc: OutOfStock) -> Response:
        return Response({"missing": str(exc), "path": request.path}, status=409)

    return app


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_unhandled_error_is_500_with_request_id_and_logged(source: str) -> None:
    client = TestClient(make_app())
    with capture_logs() as logs:
        r = client.get("/boom", source=source)
    assert r.status == 500
    body = r.json()
    assert body["message"] == "Internal Server Error" and body["request_id"]
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    [entry] = [e for e in logs if e["event"] == "unhandled error in HTTP handler"]
    assert entry["log_level"] == "error" and isinstance(entry["exc_info"], RuntimeError)
    assert "hunter2" in entry["error"]


def test_exception_handlers() -> None:
    client = TestClient(make_app())
    r = client.get("/stock")
    assert r.status == 409 and r.json() == {"missing": "pen", "path": "/stock"}
    teapot = client.get("/teapot", source="apigw-rest")
    assert teapot.status == 418 and teapot.headers["x-why"] == "tea"
    assert teapot.json()["message"] == "short and stout"


def test_custom_404_handler_and_generic_handler_not_catching_it() -> None:
    app = make_app()

    @app.exception_handler(Exception)
    def everything(request: Request, exc: Exception) -> Response:
        return Response("oops", status=503)

    client = TestClient(app)
    assert client.get("/nowhere").status == 404  # lambent's own answers are not "Exception"
    assert client.get("/boom").status == 503


@pytest.mark.parametrize("is_async", [False, True])
def test_an_http_exception_raised_by_an_exception_handler_answers_its_own_status(
    is_async: bool,
) -> None:
    app = App()

    class Expired(Exception):
        pass

    @app.get("/t")
    def t() -> None:
        raise Expired("expired")

    def sync_handler(request: Request, exc: Expired) -> None:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    async def async_handler(request: Request, exc: Expired) -> None:
        sync_handler(request, exc)

    app.exception_handler(Expired)(async_handler if is_async else sync_handler)
    with capture_logs() as logs:
        r = TestClient(app).get("/t")
    assert r.status == 401 and r.json()["message"] == "expired"
    assert r.headers["www-authenticate"] == "Bearer"
    assert not [e for e in logs if e["log_level"] == "error"]


class _Halt(BaseException):
    pass


@pytest.mark.parametrize("raised", [RuntimeError, KeyboardInterrupt, SystemExit, _Halt])
@pytest.mark.parametrize("is_async", [False, True])
def test_an_exception_handler_that_raises_anything_else_answers_500_and_is_logged(
    raised: type[BaseException], is_async: bool
) -> None:
    app = make_app()

    def sync_handler(request: Request, exc: RuntimeError) -> None:
        raise raised("the handler of the error failed")

    async def async_handler(request: Request, exc: RuntimeError) -> None:
        sync_handler(request, exc)

    app.exception_handler(RuntimeError)(async_handler if is_async else sync_handler)
    with capture_logs() as logs:
        r = TestClient(app).get("/boom")
    assert r.status == 500 and "hunter2" not in r.text and r.json()["request_id"]
    [entry] = [e for e in logs if e["log_level"] == "error"]
    assert entry["event"] == "exception handler failed"
    assert entry["error"] == f"{raised.__name__}: the handler of the error failed"


class Sold(OutOfStock):
    pass


def _handler(request: Any, exc: Exception) -> None: ...


def _other(request: Any, exc: Exception) -> None: ...


def test_the_nearest_class_s_handler_is_chosen_and_remembered() -> None:
    handlers: dict[type[BaseException], Any] = {Exception: _other, OutOfStock: _handler}
    cache: dict[type[BaseException], Any] = {}
    assert exception_handler(handlers, cache, Sold) is _handler
    assert exception_handler(handlers, cache, KeyError) is _other
    assert exception_handler(handlers, cache, KeyboardInterrupt) is None
    assert set(cache) == {Sold, KeyError, KeyboardInterrupt}


@pytest.mark.parametrize("own", [HTTPException, DeadlineExceeded])
def test_lambent_s_own_answers_go_to_handlers_of_their_own_types_only(own: type) -> None:
    generic = dict.fromkeys((Exception, LambentError, BaseException), _other)
    assert exception_handler(generic, {}, own) is None
    assert exception_handler({**generic, own: _handler}, {}, own) is _handler
    assert exception_handler(generic, {}, HandlerError) is _other  # not one of lambent's answers
