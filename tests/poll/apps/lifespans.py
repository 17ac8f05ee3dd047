"""An app whose lifespan misbehaves, for ``lambent poll``'s start and stop.

``POLL_LIFESPAN`` says what: ``slow-start`` (sleeps 30 s before its yield),
``fail-start`` or ``fail-stop`` (raises ``ESCAPE_KIND``: ``error``, ``exit``,
``interrupt`` or ``custom``), ``slow-stop`` (sleeps 30 s after its yield). Each step is
logged to ``$POLL_LOG``; messages are recorded as ``tests.poll.apps.recorder`` does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import anyio

from lambent import App
from tests.poll.apps.recorder import Job, log


class Custom(BaseException):
    """A user's own BaseException."""


def _raise() -> None:
    kind = os.environ.get("ESCAPE_KIND", "error")
    if kind == "exit":
        raise SystemExit(3)
    if kind == "interrupt":
        raise KeyboardInterrupt
    if kind == "custom":
        raise Custom("own base exception")
    raise RuntimeError("the lifespan failed")


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    what = os.environ.get("POLL_LIFESPAN", "")
    log({"event": "entering"})
    if what == "slow-start":
        await anyio.sleep(30)
    if what == "fail-start":
        _raise()
    log({"event": "entered"})
    yield
    log({"event": "leaving"})
    if what == "slow-stop":
        await anyio.sleep(30)
    if what == "fail-stop":
        _raise()
    log({"event": "left"})


app = App("lifespans", lifespan=lifespan)


@app.sqs()
async def on_message(job: Job) -> None:
    log({"event": "ok", "id": job.id})
