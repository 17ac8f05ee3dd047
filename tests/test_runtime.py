"""The owner of running coroutines (:mod:`lambent._runtime`): loop-free apps, one loop across warm
invocations, the lifespan."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import msgspec
import pytest

from lambent import (
    App,
)
from lambent.testing import (
    FakeContext,
    sqs_event,
)


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def test_lifespan_is_entered_once_per_container() -> None:
    from contextlib import asynccontextmanager

    entered: list[int] = []

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        entered.append(1)
        app.state.client = object()
        yield

    app = App(lifespan=lifespan)
    clients: list[object] = []

    @app.sqs("orders")
    async def on_order(order: Order) -> None:
        clients.append(app.state.client)

    for _ in range(3):
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert entered == [1]
    assert clients[0] is clients[1] is clients[2]


async def test_dispatch_in_async_code_and_handler_refuses_a_running_loop() -> None:
    from lambent import ConfigurationError

    app = App()

    @app.invoke("x")
    async def job(payload: dict[str, Any]) -> int:
        return 1

    assert await app.dispatch({"action": "x"}, FakeContext()) == 1
    with pytest.raises(ConfigurationError, match=r"await app\.dispatch"):
        app.handler({"action": "x"}, FakeContext())


async def test_a_plain_app_may_be_called_from_async_code() -> None:
    app = App()
    app.invoke("x")(lambda payload: 1)
    assert app.handler({"action": "x"}, FakeContext()) == 1


def test_a_plain_app_runs_without_an_event_loop() -> None:
    import asyncio

    app = App()
    loops: list[bool] = []

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)

    assert app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext()) == {
        "batchItemFailures": []
    }
    assert loops == [False]


def test_one_async_handler_puts_every_invocation_on_the_loop() -> None:
    import asyncio

    app = App()
    loops: list[bool] = []

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        loops.append(asyncio.get_running_loop() is not None)

    @app.sns("alerts")
    async def on_alert(message: str) -> None: ...

    app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert loops == [True]


def test_a_lifespan_or_async_hook_needs_the_loop() -> None:
    import asyncio
    from contextlib import asynccontextmanager

    loops: list[bool] = []

    def on_order(order: Order) -> None:
        try:
            loops.append(asyncio.get_running_loop() is not None)
        except RuntimeError:
            loops.append(False)

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        yield

    with_lifespan = App(lifespan=lifespan)
    with_lifespan.sqs("orders")(on_order)
    with_lifespan.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())

    hooked = App()
    hooked.sqs("orders")(on_order)

    async def after(batch: Any) -> None: ...

    hooked.after_batch(after)
    hooked.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert loops == [True, True]


_request_scope: Any = None


def test_contextvars_set_in_the_lifespan_persist_across_invocations() -> None:
    import contextvars
    from contextlib import asynccontextmanager

    global _request_scope
    _request_scope = contextvars.ContextVar("tenant", default="unset")

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        _request_scope.set("tenant-a")
        yield

    app = App(lifespan=lifespan)
    seen: list[str] = []

    @app.sqs("orders")
    async def on_order(order: Order) -> None:
        seen.append(_request_scope.get())

    for _ in range(2):
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert seen == ["tenant-a", "tenant-a"]


_caller_tenant: Any = None


def test_async_and_sync_handlers_see_what_the_caller_bound_before_each_invocation() -> None:
    import contextvars

    import structlog

    global _caller_tenant
    _caller_tenant = contextvars.ContextVar("caller_tenant", default="unset")
    app = App()
    seen: list[tuple[str, str, Any]] = []

    def note(how: str) -> None:
        bound = structlog.contextvars.get_contextvars().get("caller")
        seen.append((how, _caller_tenant.get(), bound))

    @app.sqs("async-q")
    async def on_async(order: Order) -> None:
        note("async")

    @app.sqs("sync-q")
    def on_sync(order: Order) -> None:
        note("sync")

    def invoke(tenant: str) -> None:  # a wrapper around app.handler, as a user writes it
        _caller_tenant.set(tenant)
        structlog.contextvars.bind_contextvars(caller=tenant)
        for queue in ("async-q", "sync-q"):
            app.handler(sqs_event({"id": 1}, queue=queue), FakeContext())

    try:
        invoke("first")
        invoke("second")
    finally:
        structlog.contextvars.unbind_contextvars("caller")
    assert seen == [
        ("async", "first", "first"),
        ("sync", "first", "first"),
        ("async", "second", "second"),
        ("sync", "second", "second"),
    ]


def test_a_value_the_lifespan_set_stays_until_the_caller_binds_another() -> None:
    import contextvars
    from contextlib import asynccontextmanager

    global _caller_tenant
    _caller_tenant = contextvars.ContextVar("caller_tenant", default="unset")
    _caller_tenant.set("caller")

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        _caller_tenant.set("lifespan")
        yield

    app = App(lifespan=lifespan)
    seen: list[str] = []

    @app.sqs("orders")
    async def on_order(order: Order) -> None:
        seen.append(_caller_tenant.get())

    def invoke() -> None:
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())

    invoke()
    invoke()
    _caller_tenant.set("rebound")
    invoke()
    invoke()
    assert seen == ["lifespan", "lifespan", "rebound", "rebound"]


PLAIN_PROBE = """
import sys
from lambent import App
from lambent.testing import FakeContext, sqs_event

app = App()

@app.sqs("orders")
def on_order(body: str) -> None: ...

app.handler(sqs_event("a", "b", queue="orders"), FakeContext())
print("anyio" in sys.modules)
"""


def test_a_plain_app_never_imports_anyio() -> None:
    """Plain handlers run inline without a loop: nothing of anyio is needed or imported."""
    out = subprocess.run(
        [sys.executable, "-c", PLAIN_PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[-1] == "False"
