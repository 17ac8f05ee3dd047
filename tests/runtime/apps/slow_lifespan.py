"""An App whose lifespan takes 30 s to enter (``SLOW_LIFESPAN=start``) or to leave
(``SLOW_LIFESPAN=stop``), or whose SnapStart hook takes 30 s (``SLOW_LIFESPAN=snapshot``),
saying each step on stdout."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import anyio

from lambent import App
from lambent.runtime import before_snapshot


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    print("lifespan entering", flush=True)
    if os.environ.get("SLOW_LIFESPAN") == "start":
        await anyio.sleep(30)
    print("lifespan entered", flush=True)
    yield
    print("lifespan leaving", flush=True)
    if os.environ.get("SLOW_LIFESPAN") == "stop":
        await anyio.sleep(30)
    print("lifespan left", flush=True)


app = App(lifespan=lifespan)


@app.invoke("echo")
async def echo(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


handler = app.handler


@before_snapshot
async def slow_snapshot() -> None:
    if os.environ.get("SLOW_LIFESPAN") == "snapshot":
        print("before snapshot", flush=True)
        await anyio.sleep(30)
