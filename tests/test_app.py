"""The App: its options are validated (its lifespan too), and its routes freeze with the
first invocation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import msgspec
import pytest

from lambent import App, ConfigurationError, Depends, Router
from lambent._app import dependency_overrides
from lambent.testing import FakeContext, http_request, sqs_event


class Order(msgspec.Struct):
    id: int


def test_app_options_are_validated() -> None:
    with pytest.raises(
        ConfigurationError, match="concurrency must be a whole number of at least 1"
    ):
        App(concurrency=0)
    with pytest.raises(ConfigurationError, match="deadline_margin must be a finite number"):
        App(deadline_margin=-1)


def test_routes_are_frozen_after_the_first_invocation() -> None:
    app = App()
    app.sqs("orders")(lambda order: None)
    app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    with pytest.raises(ConfigurationError, match="first invocation"):
        app.sqs("other")(lambda order: None)


def who() -> str:
    return "real"


def fake_who() -> str:
    return "fake"


def test_dependency_overrides_replace_a_provider_for_the_block_only() -> None:
    app = App()

    @app.get("/who")
    def handler(name: Annotated[str, Depends(who)]) -> str:
        return name

    def body() -> Any:
        return app.handler(http_request("GET", "/who"), FakeContext())["body"]

    with dependency_overrides(app, {who: fake_who}):
        assert body() == "fake"
    assert body() == "real"
    with dependency_overrides(app, {}):
        assert body() == "real"
    with (
        dependency_overrides(Router(), {who: fake_who}),
        dependency_overrides(object(), {who: fake_who}),
    ):
        assert body() == "real"  # only an App's overrides apply


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"concurrency": 0}, "concurrency must be a whole number of at least 1, not 0"),
        ({"concurrency": 1.5}, "concurrency must be a whole number of at least 1, not 1.5"),
        ({"concurrency": True}, "concurrency must be a whole number of at least 1, not True"),
        ({"deadline_margin": -1}, "deadline_margin must be a finite number of seconds >= 0"),
        ({"deadline_margin": float("nan")}, "deadline_margin must be a finite number of seconds"),
        ({"deadline_margin": float("inf")}, "deadline_margin must be a finite number of seconds"),
    ],
)
def test_an_app_option_out_of_its_range_is_refused_saying_what_it_takes(
    options: dict[str, Any], said: str
) -> None:
    # a NaN margin would never be reached, an infinite one always: nothing would run
    with pytest.raises(ConfigurationError, match=said.replace("(", r"\(")):
        App(**options)
    App(concurrency=1, deadline_margin=0)  # the edges are taken


async def _async_generator(app: App) -> AsyncIterator[None]:
    app.state.log.append("start")
    yield
    app.state.log.append("stop")


def _generator(app: App) -> Iterator[None]:
    app.state.log.append("start")
    yield
    app.state.log.append("stop")


@contextlib.asynccontextmanager
async def _async_manager(app: App) -> AsyncIterator[None]:
    app.state.log.append("start")
    yield
    app.state.log.append("stop")


@contextlib.contextmanager
def _manager(app: App) -> Iterator[None]:
    app.state.log.append("start")
    yield
    app.state.log.append("stop")


@pytest.mark.parametrize(
    "lifespan",
    [_async_manager, _async_generator, _manager, _generator],
    ids=["asynccontextmanager", "async generator", "contextmanager", "generator"],
)
async def test_a_lifespan_is_entered_once_and_left_written_any_of_these_ways(
    lifespan: Any,
) -> None:
    app = App(lifespan=lifespan)
    app.state.log = []

    @app.sqs("q")
    async def on(body: dict[str, Any]) -> None:
        app.state.log.append("record")

    async with app.running():
        for _ in range(2):
            out = await app.dispatch(sqs_event({"a": 1}, queue="q"), FakeContext())
            assert out == {"batchItemFailures": []}
    assert app.state.log == ["start", "record", "record", "stop"]


def _no_app() -> AsyncIterator[None]:
    raise AssertionError("never called")


def _returns_none(app: App) -> None:
    return None


async def _coroutine(app: App) -> None:
    return None


@pytest.mark.parametrize(
    ("lifespan", "says"),
    [
        (object(), "is not callable"),
        (_no_app, "_no_app must take the app: async def lifespan"),
    ],
)
def test_a_lifespan_that_cannot_take_the_app_is_refused_when_the_app_is_made(
    lifespan: Any, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        App(lifespan=lifespan)


@pytest.mark.parametrize(
    ("lifespan", "made"), [(_returns_none, "NoneType"), (_coroutine, "coroutine")]
)
def test_a_lifespan_that_makes_no_context_manager_is_a_configuration_error(
    lifespan: Any, made: str
) -> None:
    # it was a TypeError out of app.handler at the first event
    app = App(lifespan=lifespan)

    @app.sqs("q")
    async def on(body: dict[str, Any]) -> None:
        pass

    with pytest.raises(ConfigurationError, match=f"returned {made}, not a context manager"):
        app.handler(sqs_event({"a": 1}, queue="q"), FakeContext())
