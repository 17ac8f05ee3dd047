"""An app whose lifespan fails where ``$LIFESPAN_FAIL`` says, for every command's answer
to it: ``start`` (a ``RuntimeError`` at its entry), ``exit`` (``SystemExit(3)`` there),
``interrupt`` (``KeyboardInterrupt`` there), ``stop`` (a ``RuntimeError`` at its exit) or
``hang`` (its exit waits a minute).
Each entry and exit is appended to ``$LIFESPAN_LOG`` (one word a line)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import anyio

from lambent import App


def _log(word: str) -> None:
    with open(os.environ["LIFESPAN_LOG"], "a") as log:
        log.write(word + "\n")


def connect() -> None:
    raise RuntimeError("db down")


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    fail = os.environ.get("LIFESPAN_FAIL", "")
    _log("entering")
    if fail == "start":
        connect()
    if fail == "exit":
        raise SystemExit(3)
    if fail == "interrupt":
        raise KeyboardInterrupt
    yield
    _log("leaving")
    if fail == "stop":
        connect()
    if fail == "hang":
        await anyio.sleep(60)


app = App("lifespans", lifespan=lifespan)


@app.get("/")
async def root() -> dict[str, bool]:
    return {"ok": True}


@app.sqs()
async def on_message(message: dict[str, Any]) -> None:
    pass


@app.invoke()
async def direct(payload: dict[str, Any]) -> dict[str, bool]:
    return {"ok": True}


handler = app.handler
