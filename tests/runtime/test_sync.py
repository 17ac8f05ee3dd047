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

from lambent.runtime import _sync
from lambent.runtime._invocation import Post
from lambent.runtime._sync import SyncConnection, serve
from lambent.runtime._wire import RuntimeAPIError
from tests.runtime._scripted import read_request, scripted

pytestmark = pytest.mark.network


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
                while (request := read_request(conn, buffer)) is not None:
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
    """A target answering every invocation with ``{}`` (and raising ``signum`` while it runs)."""

    stopped = False

    def __init__(self, signum: int | None = None) -> None:
        self.signum = signum

    def invoke_now(
        self, body: bytes, content_type: str | None, context: object
    ) -> tuple[bytes, str]:
        if self.signum is not None:
            signal.raise_signal(self.signum)
        return b"{}", "application/json"

    def stop_sync(self) -> None:
        self.stopped = True


RESPONSE = "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_an_invocation_ends_the_loop_once_it_is_answered(signum: int) -> None:
    with scripted([("req-1", b"{}"), ("req-2", b"{}")]) as api:
        target = _Answers(signum)
        assert serve(target, SyncConnection(api.address)) == 0  # type: ignore[arg-type]
    assert api.posts() == [RESPONSE] and len(api.requests) == 2  # /next asked once
    assert target.stopped


def _lines(marker: str, after: int) -> set[int]:
    """The numbers of the lines ``after`` lines below those of SyncConnection that are
    ``marker`` (less a comment)."""
    source, first = inspect.getsourcelines(SyncConnection)
    found = {
        first + n + after for n, line in enumerate(source) if line.split("#")[0].strip() == marker
    }
    assert found, marker
    return found


@pytest.mark.parametrize(
    ("marker", "after", "taken"),
    [
        ("self._waiting = True", 0, False),  # just before the loop marks itself waiting
        ("sock.sendall(data)", 0, False),  # before /next is asked
        ("sock.recv(1, _PEEK)", 0, True),  # asked and answered, before the wait
        ("sock.recv(1, _PEEK)", 1, True),  # once the wait saw the answer begin
        ("return answer", 0, True),  # once the answer is read whole
    ],
    ids=["before-waiting", "before-asking", "before-the-wait", "answer-begun", "answer-read"],
)
def test_sigterm_landing_anywhere_in_the_wait_on_next_answers_what_was_handed_over(
    marker: str, after: int, taken: bool
) -> None:
    """SIGTERM made to land (by a line tracer) at one point of the first ``/next``: an
    invocation the Runtime API has answered with is run and answered; else none is
    asked for. Either way the loop ends without asking ``/next`` again."""
    lines = _lines(marker, after)
    fired: list[int] = []
    with scripted([("req-1", b"{}"), ("req-2", b"{}")]) as api:

        def tracer(frame: FrameType, event: str, arg: object) -> Any:
            if frame.f_code.co_filename != _sync.__file__:
                return None
            if event == "line" and frame.f_lineno in lines and not fired:
                fired.append(frame.f_lineno)
                if taken:  # the answer is in this process's socket before the signal
                    assert api.sent.wait(10)
                signal.raise_signal(signal.SIGTERM)  # its handler runs here, before the line
            return tracer

        target = _Answers()
        sys.settrace(tracer)
        try:
            assert serve(target, SyncConnection(api.address)) == 0  # type: ignore[arg-type]
        finally:
            sys.settrace(None)
    assert fired and target.stopped
    if taken:
        assert api.posts() == [RESPONSE] and len(api.requests) == 2
    else:
        assert api.requests == [] and not api.sent.is_set()


def test_a_signal_before_the_loop_ends_it_before_its_first_poll() -> None:
    # what the import's signal handler does once the import is over: the loop then asks
    # for no invocation
    with scripted([("req-1", b"{}")]) as api:
        conn, target = SyncConnection(api.address), _Answers()
        conn.stop()
        assert serve(target, conn) == 0  # type: ignore[arg-type]
    assert api.requests == [] and target.stopped
