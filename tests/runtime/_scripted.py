"""A Runtime API on 127.0.0.1, in a thread, that hands out a fixed list of invocations.

For the tests of a stop racing ``/next``: the test decides when an answer to ``/next`` is
sent (``release``) and knows when it has been (``sent``), so a stop can be made to land
at an exact point. Every ``/next`` after the last invocation is never answered, as
Lambda's after SIGTERM; posts are answered 202.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def read_request(conn: socket.socket, buffer: bytearray) -> bytes | None:
    """One whole request (head and ``Content-Length`` body) from the front of ``buffer``;
    ``None`` once the client has gone."""
    try:
        return _read(conn, buffer)
    except OSError:  # reset: the client closed with an answer unread
        return None


def _read(conn: socket.socket, buffer: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).lower()
    length = (
        int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
        if b"content-length" in head
        else 0
    )
    while len(buffer) < end + length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    whole = bytes(buffer[: end + length])
    del buffer[: len(whole)]
    return whole


def _answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return b"HTTP/1.1 %d X\r\n%bContent-Length: %d\r\n\r\n%b" % (
        status,
        lines.encode(),
        len(body),
        body,
    )


class ScriptedAPI:
    """What the server saw (``requests``) and the events a test waits on."""

    def __init__(self, invocations: list[tuple[str, bytes]], hold: bool) -> None:
        self.invocations = list(invocations)
        self.requests: list[bytes] = []
        #: set by the test to let the next answer to ``/next`` go (when holding)
        self.release = threading.Event()
        #: set once an answer to ``/next`` has been written to the socket
        self.sent = threading.Event()
        self.hold = hold
        self._seen = threading.Condition()
        self.address = ""

    def wait_for(self, count: int) -> None:
        """Block until the server has read ``count`` requests (10 s at most)."""
        with self._seen:
            assert self._seen.wait_for(lambda: len(self.requests) >= count, 10), self.requests

    def posts(self) -> list[str]:
        """The request lines of the posts received, in order."""
        return [r.split(b"\r\n")[0].decode() for r in self.requests if r.startswith(b"POST")]

    def _reply(self, request: bytes) -> bytes | None:
        if not request.startswith(b"GET") or not request.split(b" ")[1].endswith(b"/next"):
            return _answer(202, b"{}")
        if not self.invocations:
            return None  # never answered
        if self.hold:
            assert self.release.wait(10), "the test never released the answer"
        request_id, body = self.invocations.pop(0)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": "9999999999999",
        }
        return _answer(200, body, headers)

    def serve(self, listener: socket.socket, done: threading.Event) -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                buffer = bytearray()
                while (request := read_request(conn, buffer)) is not None:
                    with self._seen:
                        self.requests.append(request)
                        self._seen.notify_all()
                    reply = self._reply(request)
                    if reply is None:
                        continue  # the client hangs up (or the test ends)
                    try:
                        conn.sendall(reply)
                    except OSError:  # the client has gone (a test's end)
                        break
                    if request.startswith(b"GET"):
                        self.sent.set()


@contextmanager
def scripted(invocations: list[tuple[str, bytes]], hold: bool = False) -> Iterator[ScriptedAPI]:
    """A :class:`ScriptedAPI` served while the block runs."""
    api = ScriptedAPI(invocations, hold)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    api.address = f"127.0.0.1:{listener.getsockname()[1]}"
    done = threading.Event()
    thread = threading.Thread(target=api.serve, args=(listener, done), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        done.set()
        api.release.set()
        socket.create_connection(listener.getsockname(), timeout=5).close()  # wakes accept()
        thread.join(10)
        listener.close()
