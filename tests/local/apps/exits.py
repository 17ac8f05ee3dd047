"""Handlers that end with a ``BaseException`` (the kind that used to stop the local server)."""

from __future__ import annotations

import time
from typing import Any

from lambent import App


class Abort(BaseException):
    """A custom ``BaseException`` subclass, as some libraries raise."""


_RAISED: dict[str, type[BaseException]] = {
    "SystemExit": SystemExit,
    "KeyboardInterrupt": KeyboardInterrupt,
    "Abort": Abort,
}


def exits(event: Any, context: Any) -> Any:
    """Sleep ``event["sleep"]`` seconds, then ``sys.exit`` when ``n`` is a multiple of 10."""
    time.sleep(float(event.get("sleep", 0)))
    if event["n"] % 10 == 0:
        raise SystemExit(f"event {event['n']} exits")
    return {"n": event["n"]}


app = App()


@app.invoke("raise")
async def raise_it(payload: dict[str, Any]) -> dict[str, Any]:
    """Raise the ``BaseException`` named by ``payload["what"]`` from an async lambent handler."""
    raise _RAISED[payload["what"]](f"raised {payload['what']}")


@app.invoke("ok")
async def ok(payload: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True}


def raw(event: Any, context: Any) -> Any:
    """A plain function (no lambent App) whose ``BaseException`` reaches the server itself."""
    if event["action"] == "raise":
        raise _RAISED[event["what"]](f"raised {event['what']}")
    return {"ok": True}
