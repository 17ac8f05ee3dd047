"""The Runtime API connection of the loop without an event loop (lambent.runtime._sync),
against a server on 127.0.0.1 in a thread: kept alive, made again once when the server
closed it, refused told as RuntimeAPIError, and a refused post said on stderr."""

from __future__ import annotations

import inspect
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from lambent.runtime._invocation import Post
from lambent.runtime._sync import SyncConnection, serve
from lambent.runtime._wire import RuntimeAPIError

pytestmark = pytest.mark.network


def _request(conn: socket.socket, buffer: bytearray) -> bytes | None:
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
        buffer += conn.recv(65536)
    whole = bytes(buffer[: end + length])
    del buffer[: len(whole)]
    return whole


@contextmanager
def server(
    answer: Callable[[bytes, int], tuple[bytes, bool]],
) -> Iterator[tuple[str, list[bytes], list[int]]]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    seen: list[bytes] = []
    connections: list[int] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if stop.is_set():  # the wake-up connection of the end
                conn.close()
                return
            connections.append(len(connections) + 1)
            with conn:
                buffer = bytearray()
                while (request := _request(conn, buffer)) is not None:
                    seen.append(request)
                    response, close = answer(request, len(connections))
                    conn.sendall(response)
                    if close:
                        break

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}", seen, connections
    finally:
        stop.set()
        socket.create_connection(listener.getsockname(), timeout=5).close()  # wakes accept()
        thread.join(5)
        listener.close()


def answer_with(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


def test_requests_share_a_kept_alive_connection() -> None:
    with server(lambda request, n: (answer_with(200, b"n=%d" % n), False)) as (
        address,
        seen,
        conns,
    ):
        api = SyncConnection(address)
        assert api.request("GET", "/next") == (200, {"content-length": "3"}, b"n=1")
        assert api.request("POST", "/x", b"body")[2] == b"n=1"
        api.close()
    assert conns == [1] and seen[1].endswith(b"\r\n\r\nbody")


def test_a_connection_the_server_closed_is_made_again_once() -> None:
    with server(lambda request, n: (answer_with(200, b"n=%d" % n), True)) as (address, _, conns):
        api = SyncConnection(address)
        assert api.request("GET", "/next")[2] == b"n=1"
        assert api.request("GET", "/next")[2] == b"n=2"
        api.close()
    assert conns == [1, 2]


def test_a_refused_connection_is_a_runtime_api_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(RuntimeAPIError, match=f"the Runtime API at 127.0.0.1:{port}"):
        SyncConnection(f"127.0.0.1:{port}").request("GET", "/next")


def test_a_post_the_api_refuses_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    statuses = iter([202, 413])
    with server(lambda request, n: (answer_with(next(statuses), b"too big"), False)) as (
        address,
        _,
        _c,
    ):
        api = SyncConnection(address)
        api.post(Post("/2018-06-01/runtime/invocation/a/response", b"{}", {}))
        assert capsys.readouterr().err == ""
        api.post(Post("/2018-06-01/runtime/invocation/b/response", b"{}", {}))
        api.close()
    assert capsys.readouterr().err == (
        "lambent.runtime: the Runtime API refused /2018-06-01/runtime/invocation/b/response "
        "(413): b'too big'\n"
    )


class _Answers:
    """A target answering every invocation with ``{}``."""

    stopped = False

    def invoke_now(
        self, body: bytes, content_type: str | None, context: object
    ) -> tuple[bytes, str]:
        return b"{}", "application/json"

    def stop_sync(self) -> None:
        self.stopped = True


class _OneInvocation:
    """A Runtime API connection with one invocation to give; polling again is a failure
    (a loop that polls after SIGTERM waits on ``/next`` until Lambda kills it)."""

    def __init__(self) -> None:
        self.polls = 0
        self.posted: list[Post] = []

    def request(self, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        self.polls += 1
        if self.polls > 1:
            raise AssertionError("polled /next after SIGTERM")
        return 200, {"lambda-runtime-aws-request-id": "req-1"}, b"{}"

    def post(self, post: Post) -> None:
        self.posted.append(post)

    def close(self) -> None:
        pass


def test_sigterm_just_before_the_next_poll_ends_the_loop() -> None:
    """SIGTERM delivered after the loop checked it is not stopping and before it marks
    itself waiting on ``/next`` (made to land there, by a line tracer) ends the loop
    without another poll."""
    source, first = inspect.getsourcelines(serve)
    [mark] = [first + n for n, line in enumerate(source) if 'state["waiting"] = True' in line]
    conn, target = _OneInvocation(), _Answers()

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code is not serve.__code__:
            return None
        if event == "line" and frame.f_lineno == mark and conn.posted:
            signal.raise_signal(signal.SIGTERM)  # its handler runs here, before the line
        return tracer

    sys.settrace(tracer)
    try:
        assert serve(target, conn) == 0  # type: ignore[arg-type]
    finally:
        sys.settrace(None)
    assert conn.polls == 1 and len(conn.posted) == 1 and target.stopped
