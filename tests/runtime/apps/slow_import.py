"""A handler module that takes 30 s to import when ``SLOW_IMPORT`` is set, saying so first:
``plain`` (a plain function: the loop without an event loop) and ``handler`` (an app
with an ``async def`` route: the event loop's)."""

from __future__ import annotations

import os
import time
from typing import Any

from lambent import App

if os.environ.get("SLOW_IMPORT"):
    print("importing", flush=True)
    time.sleep(30)


def plain(event: Any, context: Any) -> Any:
    return event


app = App()


@app.invoke("echo")
async def echo(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


handler = app.handler
