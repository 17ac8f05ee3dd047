"""An App with a lifespan, SnapStart hooks and an async handler, for the runtime loop tests."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio

from lambent import App, LambdaContext
from lambent.runtime import after_restore, before_snapshot

state: dict[str, Any] = {"connections": 0}


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    state["connections"] += 1
    print("lifespan entered", flush=True)
    yield
    print("lifespan left", flush=True)


app = App(lifespan=lifespan)


@before_snapshot
def close_connections() -> None:
    print("before snapshot", flush=True)


@after_restore
async def reopen_connections() -> None:
    print("after restore", flush=True)


@app.invoke("nap")
async def nap(payload: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_id = context.aws_request_id
    logging.getLogger("nap").warning("start %s", request_id)
    await anyio.sleep(float(payload.get("seconds", 0.2)))
    logging.getLogger("nap").warning("end %s", request_id)
    return {"request_id": request_id, "connections": state["connections"]}


handler = app.handler
