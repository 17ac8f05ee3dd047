"""The loop without an event loop, for handlers that never await.

A plain ``module.function`` handler, or an app whose handlers are all plain and that has
no lifespan, runs each invocation straight through; with one invocation at a time this
loop polls over a kept-alive ``http.client`` connection and never imports asyncio, which
keeps the cold start at the floor. SIGTERM while waiting on ``/next`` ends the loop at
once; during an invocation, after it has been answered.
"""

from __future__ import annotations

import http.client
import signal
from types import FrameType

from lambent._runtime import run_loop_free
from lambent.runtime._invocation import NEXT, Post, run_invocation
from lambent.runtime._target import Target


class RuntimeAPIError(Exception):
    """The Runtime API could not be reached or refused ``/next``."""


class _Stopped(Exception):
    pass


class SyncConnection:
    """``http.client`` to the Runtime API; reconnects once when a kept-alive one was closed."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._conn = http.client.HTTPConnection(host.strip("[]") or "127.0.0.1", int(port))

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                answer = self._conn.getresponse()
                data = answer.read()
                return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._conn.close()
                if attempt == 2:
                    raise RuntimeAPIError(
                        f"the Runtime API closed the connection: {exc!r}"
                    ) from None
            except OSError as exc:
                raise RuntimeAPIError(f"cannot reach the Runtime API: {exc}") from None
        raise AssertionError("unreachable")

    def post(self, post: Post) -> None:
        from lambent.runtime._loop import say

        status, _, answer = self.request("POST", post.path, post.body, post.headers)
        if status != 202:
            say(f"the Runtime API refused {post.path} ({status}): {answer[:200]!r}")

    def close(self) -> None:
        self._conn.close()


def serve(target: Target, conn: SyncConnection) -> int:
    """Poll until SIGTERM or SIGINT; every invocation runs without an event loop."""
    state = {"stopping": False, "waiting": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        state["stopping"] = True
        if state["waiting"]:
            raise _Stopped

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not state["stopping"]:
            try:
                state["waiting"] = True
                status, headers, body = conn.request("GET", NEXT)
                state["waiting"] = False
            except _Stopped:
                break
            if status != 200:
                raise RuntimeAPIError(f"/next answered {status}: {body[:200]!r}")
            conn.post(run_loop_free(run_invocation(target, headers, body)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        conn.close()
        target.stop_sync()
    return 0
