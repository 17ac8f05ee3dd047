"""A call's arguments built per request (lambent.http._args), through Depends(): each
provider run once per request, cleaned up after the response, its failures answered and
logged (and the provider's plan resolved by lambent.http._params at registration)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
import anyio.lowlevel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, ConfigurationError, Depends, LambdaContext, Logger
from lambent.http import CallNext, Header, HTTPException, Request, Response
from lambent.testing import FakeContext, TestClient, http_request

log: list[str] = []


def token(authorization: Annotated[str, Header()]) -> str:
    log.append("token")
    return authorization.removeprefix("Bearer ")


async def user(tok: Annotated[str, Depends(token)], tenant: str) -> str:
    await anyio.lowlevel.checkpoint()
    log.append("user")
    return f"{tok}@{tenant}"


def connection() -> Iterator[str]:
    log.append("open")
    try:
        yield "conn"
    except ZeroDivisionError:
        log.append("saw the handler fail")
        raise
    finally:
        log.append("close")


async def transaction(
    conn: Annotated[str, Depends(connection)], who: Annotated[str, Depends(user)]
) -> AsyncIterator[str]:
    log.append("begin")
    yield f"tx({conn}, {who})"
    log.append("end")


# providers used by single tests (module level: annotations are resolved there)
def admin(role: Annotated[str, Header("x-role")]) -> str:
    if role != "admin":
        raise HTTPException(403, "admins only")
    return role


async def slow() -> str:
    await anyio.sleep(30)
    return "late"


def leaky() -> Iterator[int]:
    yield 1
    raise OSError("cannot close")


def loop_a(b: Annotated[str, Depends(token)], c: Annotated[str, Depends(loop_b)]) -> str:
    return b


def loop_b(a: Annotated[str, Depends(loop_a)]) -> str:
    return a


def bad(x: Annotated[dict[str, int], Header()]) -> None: ...


def never() -> Iterator[int]:
    return
    yield


def _app() -> App:
    app = App()

    @app.middleware
    async def mark(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        log.append(f"middleware out {response.status}")
        return response

    @app.get("/tenants/{tenant}/report")
    def report(
        tenant: str,
        tx: Annotated[str, Depends(transaction)],
        who: Annotated[str, Depends(user)],
        fail: bool = False,
    ) -> dict[str, str]:
        log.append("handler")
        if fail:
            raise ZeroDivisionError("boom")
        return {"tx": tx, "who": who, "tenant": tenant}

    return app


@pytest.fixture(autouse=True)
def _clear() -> None:
    log.clear()


def test_a_dependency_chain_runs_each_provider_once_and_cleans_up_after_the_response() -> None:
    r = TestClient(_app()).get("/tenants/acme/report", headers={"Authorization": "Bearer t1"})
    assert r.json() == {"tx": "tx(conn, t1@acme)", "who": "t1@acme", "tenant": "acme"}
    assert log == [
        "open", "token", "user", "begin", "handler", "middleware out 200", "end", "close",
    ]  # fmt: skip


def test_cleanup_runs_after_the_response_also_when_the_handler_fails() -> None:
    with capture_logs() as logs:
        r = TestClient(_app()).get(
            "/tenants/acme/report?fail=true", headers={"Authorization": "Bearer t1"}
        )
    assert r.status == 500
    assert log[-4:] == ["handler", "middleware out 500", "saw the handler fail", "close"]
    assert [e["event"] for e in logs if e["log_level"] == "error"] == [
        "unhandled error in HTTP handler"
    ]


def test_a_providers_own_parameters_answer_422_and_its_exceptions_their_status() -> None:
    app = App()

    @app.get("/admin")
    def area(role: Annotated[str, Depends(admin)]) -> str:
        return role

    client = TestClient(app)
    missing = client.get("/admin")
    assert (
        missing.status == 422
        and missing.json()["message"] == "header 'x-role': required but missing"
    )
    assert client.get("/admin", headers={"x-role": "guest"}).status == 403
    assert client.get("/admin", headers={"x-role": "admin"}).text == "admin"


def test_a_provider_is_overridden_in_the_test_client() -> None:
    app = _app()

    def fake_user(tenant: str) -> str:
        return f"tester@{tenant}"

    client = TestClient(app, overrides={user: fake_user})
    r = client.get("/tenants/t/report")  # no Authorization: token is not needed any more
    assert r.json()["who"] == "tester@t" and "token" not in log

    def fake_connection() -> Iterator[str]:
        yield "fake"

    with client.override(connection, fake_connection):
        assert client.get("/tenants/t/report").json()["tx"] == "tx(fake, tester@t)"
    assert client.get("/tenants/t/report").json()["tx"] == "tx(conn, tester@t)"
    plain = TestClient(app).get("/tenants/t/report")
    assert plain.status == 422  # the app itself is unchanged


def test_async_dependencies_run_under_the_deadline() -> None:
    app = App(deadline_margin=0.05)

    @app.get("/slow")
    def handler(value: Annotated[str, Depends(slow)]) -> str:
        return value

    with capture_logs():
        out = app.handler(http_request("GET", "/slow", source="alb"), FakeContext(timeout=0.3))
    assert out["statusCode"] == 504


def test_a_failing_cleanup_is_logged_once_and_the_response_stands() -> None:
    app = App()

    @app.get("/leaky")
    def handler(n: Annotated[int, Depends(leaky)]) -> int:
        return n

    with capture_logs() as logs:
        r = TestClient(app).get("/leaky")
    assert r.json() == 1
    [entry] = [e for e in logs if e["log_level"] == "error"]
    assert entry["event"] == "dependency cleanup failed"
    assert entry["error"] == "OSError: cannot close"


class _Custom(BaseException):
    pass


#: what the cleanups below raise (set by the test)
_RAISES: list[BaseException] = []


def raising_cleanup() -> Iterator[int]:
    yield 1
    raise _RAISES[0]


async def async_raising_cleanup() -> AsyncIterator[int]:
    yield 1
    raise _RAISES[0]


@pytest.mark.parametrize(
    "raised",
    [KeyboardInterrupt("k"), SystemExit(2), _Custom("c"), asyncio.CancelledError("by itself")],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("is_async", [False, True], ids=["generator", "async generator"])
def test_a_cleanup_raising_a_base_exception_is_logged_and_the_response_stands(
    raised: BaseException, is_async: bool
) -> None:
    # as an Exception's: the cleanup's own failure, never out of app.handler
    _RAISES[:] = [raised]
    app = App()
    if is_async:

        @app.get("/leaky")
        def handler(n: Annotated[int, Depends(async_raising_cleanup)]) -> int:
            return n
    else:

        @app.get("/leaky")
        def plain(n: Annotated[int, Depends(raising_cleanup)]) -> int:
            return n

    with capture_logs() as logs:
        out = app.handler(http_request("GET", "/leaky", source="apigw-http"), FakeContext())
    assert out["statusCode"] == 200 and out["body"] == "1"
    [entry] = [e for e in logs if e["log_level"] == "error"]
    assert entry["event"] == "dependency cleanup failed"
    assert entry["error"].startswith(f"{type(raised).__name__}: ")


def test_resolution_errors_are_configuration_errors_at_registration() -> None:
    app = App()

    with pytest.raises(ConfigurationError, match="dependency cycle"):

        @app.get("/cycle")
        def cycle(a: Annotated[str, Depends(loop_a)]) -> str:
            return a

    with pytest.raises(ConfigurationError, match=r"parameter 'x'"):

        @app.get("/bad")
        def uses_bad(v: Annotated[None, Depends(bad)]) -> None: ...

    with pytest.raises(ConfigurationError, match="Depends\\(\\) is available on HTTP routes"):

        @app.sqs("q")
        def record(body: bytes, v: Annotated[str, Depends(token)]) -> None: ...


def test_a_generator_provider_must_yield() -> None:
    app = App()

    @app.get("/never")
    def handler(n: Annotated[int, Depends(never)]) -> int:
        return n

    with capture_logs():
        assert TestClient(app).get("/never").status == 500


def plain_value() -> str:
    return "real"


async def awaited_value() -> str:
    await anyio.lowlevel.checkpoint()
    return "overridden"


def test_an_async_override_works_in_an_app_of_plain_handlers() -> None:
    app = App()

    @app.get("/v")
    def value(v: Annotated[str, Depends(plain_value)]) -> str:
        return v

    assert TestClient(app).get("/v").text == "real"  # runs without an event loop
    assert TestClient(app, overrides={plain_value: awaited_value}).get("/v").text == "overridden"
    assert TestClient(app).get("/v").text == "real"


def yields_twice() -> Iterator[int]:
    yield 1
    yield 2


async def async_leaky() -> AsyncIterator[int]:
    yield 1
    raise OSError("async cleanup failed")


def test_each_wrong_cleanup_is_logged_once() -> None:
    app = App()

    @app.get("/twice")
    def twice(
        n: Annotated[int, Depends(yields_twice)], m: Annotated[int, Depends(async_leaky)]
    ) -> int:
        return n + m

    with capture_logs() as logs:
        assert TestClient(app).get("/twice").json() == 2
    errors = [(e["event"], e["dependency"]) for e in logs if e["log_level"] == "error"]
    assert sorted(errors) == [
        ("dependency cleanup failed", "tests.http.test_args.async_leaky"),
        ("dependency yielded more than once", "tests.http.test_args.yields_twice"),
    ]


def invocation(context: LambdaContext, log: Logger, request: Request, item_id: int) -> str:
    log.info("provider ran")
    return f"{context.function_name}:{request.method}:{item_id}"


def test_a_provider_declares_the_context_a_logger_the_request_and_path_parameters() -> None:
    app = App()

    @app.get("/items/{item_id}")
    def item(who: Annotated[str, Depends(invocation)]) -> str:
        return who

    with capture_logs() as logs:
        out = app.handler(
            http_request("GET", "/items/7", source="function-url"),
            FakeContext(function_name="shop"),
        )
    assert out["body"] == "shop:GET:7"
    assert [e["event"] for e in logs] == ["provider ran"]


def _provider(index: int, needs: list[Any], trace: list[tuple[str, int]]) -> Any:
    """A ``yield`` provider number ``index`` depending on the providers ``needs``."""

    def provider(**values: int) -> Iterator[int]:
        trace.append(("enter", index))
        yield index + sum(values.values())
        trace.append(("exit", index))

    params = [
        inspect.Parameter(f"d{j}", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[int, Depends(dep)])
        for j, dep in enumerate(needs)
    ]  # fmt: skip
    provider.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    provider.__annotations__ = {p.name: p.annotation for p in params}
    provider.__qualname__ = f"provider_{index}"
    return provider


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_each_provider_runs_once_per_request_and_cleans_up_in_reverse(data: st.DataObject) -> None:
    trace: list[tuple[str, int]] = []
    count = data.draw(st.integers(1, 5))
    providers: list[Any] = []
    for i in range(count):
        needs = data.draw(st.lists(st.sampled_from(providers), unique=True)) if providers else []
        providers.append(_provider(i, needs, trace))
    wanted = data.draw(st.lists(st.sampled_from(providers), min_size=1, unique=True))

    def handler(**values: int) -> int:
        return sum(values.values())

    params = [
        inspect.Parameter(f"p{j}", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[int, Depends(dep)])
        for j, dep in enumerate(wanted)
    ]  # fmt: skip
    handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    handler.__annotations__ = {p.name: p.annotation for p in params}
    app = App()
    app.get("/x")(handler)
    for _ in range(2):
        trace.clear()
        assert TestClient(app).get("/x").status == 200
        entered = [i for what, i in trace if what == "enter"]
        exited = [i for what, i in trace if what == "exit"]
        assert len(entered) == len(set(entered))  # once per request
        assert exited == entered[::-1]  # the last opened closes first
        assert trace.index(("exit", entered[-1])) == len(entered)  # exits after every enter


class Settings:
    """A callable object as a provider (configured once, called per request)."""

    def __init__(self, region: str) -> None:
        self.region = region

    async def __call__(self, x_stage: Annotated[str, Header()] = "prod") -> str:
        await anyio.lowlevel.checkpoint()
        return f"{self.region}/{x_stage}"


EU = Settings("eu-west-1")


def test_a_callable_object_can_be_a_provider() -> None:
    app = App()

    @app.get("/where")
    async def where(place: Annotated[str, Depends(EU)]) -> str:
        return place

    client = TestClient(app)
    assert client.get("/where").text == "eu-west-1/prod"
    assert client.get("/where", headers={"X-Stage": "dev"}).text == "eu-west-1/dev"
