"""The loop without an event loop, for handlers that never await.

A plain ``module.function`` handler, or an app whose handlers are all plain and that has
no lifespan, runs each invocation straight through; with one invocation at a time this
loop polls over a kept-alive ``http.client`` connection and never imports asyncio, which
keeps the cold start at the floor. SIGTERM while waiting on ``/next`` ends the loop at
once if nothing of the answer has arrived (the invocation is run and answered first if
it has); during an invocation, after it has been answered.
"""

from __future__ import annotations

import _socket
import sys
from types import FrameType
from typing import Any

from lambent._logging import invocation_context
from lambent.runtime._invocation import NEXT, Post, run_invocation_now
from lambent.runtime._logs import catch_up
from lambent.runtime._target import Target
from lambent.runtime._wire import RuntimeAPIError, host_port, parse_response, request_head


class _Stopped(Exception):
    pass


_PEEK, _DONTWAIT = _socket.MSG_PEEK, _socket.MSG_DONTWAIT


def _signals() -> Any:
    """The C module behind :mod:`signal`: importing ``signal`` builds its enums, a cost
    every cold start would pay for two handlers."""
    try:
        return __import__("_signal")
    except ImportError:  # an interpreter without it
        import signal

        return signal


def _connect(host: str, port: int) -> _socket.socket:
    """A TCP connection to ``host:port``, as ``socket.create_connection`` makes it, on
    the C module (``socket`` imports ``selectors`` and builds enums), and with the host
    as ASCII bytes (a ``str`` host makes ``getaddrinfo`` import the IDNA codec and
    ``unicodedata``): both would cost the cold start."""
    name = host.encode("ascii") if host.isascii() else host.encode("idna")
    error: OSError | None = None
    for family, kind, proto, _, address in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError(f"cannot resolve {host}")


class SyncConnection:
    """A kept-alive socket to the Runtime API, without ``http.client`` (whose import,
    ssl and email included, would cost the cold start) or even ``socket`` (see
    :func:`_connect`); reconnects once when the kept-alive connection was closed.

    :meth:`stop` (called by the loop's signal handler) ends a wait on ``/next``
    (:meth:`poll`) by raising while nothing of the answer has arrived; the wait blocks in
    a ``MSG_PEEK`` read, which takes nothing, so whatever the moment of the signal, an
    answer that has begun is found (:meth:`_arrived`) and read whole."""

    def __init__(self, address: str) -> None:
        self.host, self.port = host_port(address)
        self._sock: _socket.socket | None = None
        self._buffer = bytearray()
        self.stopped = False
        #: while True, :meth:`stop` raises (the wait for the answer to ``/next``)
        self._waiting = False

    def stop(self) -> None:
        """Stop polling: end the wait on ``/next`` now if nothing of its answer has come."""
        self.stopped = True
        if self._waiting:
            self._waiting = False  # a second signal does not raise again
            raise _Stopped

    def _arrived(self) -> bool:
        """Whether any of the answer has arrived (never waiting, taking nothing)."""
        if self._buffer:
            return True
        try:
            return self._sock is not None and bool(self._sock.recv(1, _PEEK | _DONTWAIT))
        except OSError:  # nothing yet (BlockingIOError), or the connection is gone
            return False

    def _sent_and_begun(self, sock: _socket.socket, data: bytes) -> bool:
        """Send ``/next`` and wait for its answer to begin, unless stopped first: False
        when stopped with nothing of the answer arrived."""
        try:
            self._waiting = True  # from here a signal raises _Stopped
            if self.stopped:  # asked before (during the last invocation, or just now)
                raise _Stopped
            sock.sendall(data)
            if not self._buffer:
                sock.recv(1, _PEEK)  # blocks until the answer begins; takes nothing
            self._waiting = False
        except _Stopped:
            self._waiting = False
            return self._arrived()
        return True

    def _exchange(self, data: bytes, stoppable: bool) -> tuple[int, dict[str, str], bytes] | None:
        for attempt in (1, 2):
            try:
                if self._sock is None:
                    self._sock = _connect(self.host, self.port)
                    self._buffer.clear()
                if not stoppable:
                    self._sock.sendall(data)
                elif not self._sent_and_begun(self._sock, data):
                    return None
                while (answer := parse_response(self._buffer)) is None:
                    chunk = self._sock.recv(262144)
                    if not chunk:
                        raise ConnectionResetError("closed by the Runtime API")
                    self._buffer += chunk
                return answer
            except OSError as exc:
                self.close()
                if attempt == 2 or isinstance(exc, ConnectionRefusedError):
                    raise RuntimeAPIError(
                        f"the Runtime API at {self.host}:{self.port}: {exc}"
                    ) from None
        raise AssertionError("unreachable")

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        head = request_head(method, path, self.host, headers or {}, body)
        answer = self._exchange(head + body, stoppable=False)
        assert answer is not None  # only a stoppable exchange is stopped
        return answer

    def poll(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        """``GET path`` (``/next``): ``None`` when :meth:`stop` ended the wait before
        any of the answer arrived; an answer that had begun is read whole."""
        return self._exchange(request_head("GET", path, self.host, {}, b""), stoppable=True)

    def post(self, post: Post) -> None:
        assert isinstance(post.body, bytes)  # only the async loop streams
        status, _, answer = self.request("POST", post.path, post.body, post.headers)
        if status != 202:
            sys.stderr.write(
                f"lambent.runtime: the Runtime API refused {post.path} ({status}): {answer[:200]!r}\n"
            )

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()


def serve(target: Target, conn: SyncConnection) -> int:
    """Poll until SIGTERM or SIGINT; every invocation runs without an event loop."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        conn.stop()  # raises _Stopped while /next waits with nothing of its answer come

    # every invocation runs in one context that runs nothing else (the invocation's log
    # values may stay bound in it: lambent._logging.invocation_context)
    invocations = invocation_context()
    signals = _signals()
    previous = {sig: signals.signal(sig, on_signal) for sig in (signals.SIGTERM, signals.SIGINT)}
    try:
        while (answer := conn.poll(NEXT)) is not None:
            status, headers, body = answer
            if status != 200:
                raise RuntimeAPIError(f"/next answered {status}: {body[:200]!r}")
            catch_up()
            conn.post(invocations.run(run_invocation_now, target, headers, body))
    finally:
        for sig, handler in previous.items():
            signals.signal(sig, handler)
        conn.close()
        target.stop_sync()
    return 0
