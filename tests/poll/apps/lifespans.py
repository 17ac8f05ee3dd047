"""An app whose lifespan misbehaves, for ``lambent poll``'s start and stop.

``POLL_LIFESPAN`` says what: ``slow-start`` (sleeps 30 s before its yield),
``term-at-start`` (sends its own process SIGTERM before its first await, then sleeps 30 s),
``slow-stop`` (sleeps 30 s after its yield), ``fail-stop`` or ``exit-stop`` (raises a
``RuntimeError`` or ``SystemExit(3)`` after its yield). Each step is
logged to ``$POLL_LOG``; messages are recorded as ``tests.poll.apps.recorder`` does.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator

import anyio

from lambent import App
from tests.poll.apps.recorder import Job, log


@contextlib.asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    what = os.environ.get("POLL_LIFESPAN", "")
    log({"event": "entering"})
    if what == "term-at-start":
        os.kill(os.getpid(), signal.SIGTERM)
    if what in ("slow-start", "term-at-start"):
        await anyio.sleep(30)
    log({"event": "entered"})
    yield
    log({"event": "leaving"})
    if what == "slow-stop":
        await anyio.sleep(30)
    if what == "fail-stop":
        raise RuntimeError("the lifespan failed")
    if what == "exit-stop":
        raise SystemExit(3)
    log({"event": "left"})


app = App("lifespans", lifespan=lifespan)


@app.sqs()
async def on_message(job: Job) -> None:
    log({"event": "ok", "id": job.id})
