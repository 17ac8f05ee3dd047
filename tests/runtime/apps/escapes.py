"""User code raising what is not an ``Exception`` where the runtime's loop runs it.

``ESCAPE_LIFESPAN`` (``start`` or ``stop``, with ``ESCAPE_KIND``) makes the app's lifespan
raise at startup or at shutdown; ``ESCAPE_SNAP`` (``before`` or ``after``) a SnapStart
hook. ``raise_it`` (a plain function) sleeps ``sleep`` seconds, then raises what its event's
``kind`` names.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from lambent import App, LambdaContext
from lambent.runtime import after_restore, before_snapshot


class Custom(BaseException):
    """A user's own BaseException."""


def _raise(kind: str) -> None:
    if kind == "exit":
        raise SystemExit(3)
    if kind == "interrupt":
        raise KeyboardInterrupt
    if kind == "custom":
        raise Custom("own base exception")
    if kind == "error":
        raise RuntimeError("an ordinary error")


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    if os.environ.get("ESCAPE_LIFESPAN") == "start":
        _raise(os.environ.get("ESCAPE_KIND", ""))
    print("lifespan entered", flush=True)
    yield
    print("lifespan leaving", flush=True)
    if os.environ.get("ESCAPE_LIFESPAN") == "stop":
        _raise(os.environ.get("ESCAPE_KIND", ""))


app = App(lifespan=lifespan)


@app.invoke("echo")
async def echo(payload: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"request_id": context.aws_request_id}


handler = app.handler


@before_snapshot
def before() -> None:
    if os.environ.get("ESCAPE_SNAP") == "before":
        _raise(os.environ.get("ESCAPE_KIND", ""))


@after_restore
def after() -> None:
    if os.environ.get("ESCAPE_SNAP") == "after":
        _raise(os.environ.get("ESCAPE_KIND", ""))


def raise_it(event: Any, context: Any) -> Any:
    time.sleep(float(event.get("sleep", 0)))
    _raise(str(event.get("kind", "")))
    return {"raised": None}
