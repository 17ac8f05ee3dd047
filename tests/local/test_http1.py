"""The local Runtime API's HTTP/1.1 reading (lambent._local.http1), over a real TCP socket.

What it must read that general servers drop: the trailers of a chunked body. And what a
runtime client sends: ``Content-Length`` bodies, chunked ones (with extensions),
``Expect: 100-continue``, several requests on one kept-alive connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import pytest

from lambent._local.http1 import BadRequest, Reader, Request, response

pytestmark = pytest.mark.network

Seen = list[tuple[Request, bytes]]


@asynccontextmanager
async def _server(
    limit: int = 1 << 20,
) -> AsyncIterator[tuple[anyio.abc.SocketStream, Seen, list[str]]]:
    """A server reading requests with :class:`Reader`; yields a connected client."""
    seen: Seen = []
    problems: list[str] = []
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(stream: anyio.abc.SocketStream) -> None:
        reader = Reader(stream)
        try:
            while (request := await reader.request()) is not None:
                body = await reader.body(request, limit)
                seen.append((request, body if body is not None else b"<over>"))
                await stream.send(response(202, b"ok", "text/plain"))
        except BadRequest as exc:
            problems.append(str(exc))

    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        client = await anyio.connect_tcp("127.0.0.1", port)
        try:
            yield client, seen, problems
        finally:
            await client.aclose()
            tg.cancel_scope.cancel()


async def _answers(client: anyio.abc.SocketStream, count: int) -> bytes:
    data = b""
    with anyio.fail_after(5):
        while data.count(b"HTTP/1.1 ") < count or not data.endswith(b"ok"):
            data += await client.receive()
    return data


async def _until(check: Callable[[], bool], wait: Callable[[], Awaitable[None]]) -> None:
    with anyio.fail_after(5):
        while not check():
            await wait()


async def test_chunked_body_keeps_its_trailers_and_the_connection_stays_open() -> None:
    async with _server() as (client, seen, _):
        await client.send(
            b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Trailer: Lambda-Runtime-Function-Error-Type\r\n\r\n"
            b"5;ext=1\r\nhello\r\n"
        )
        await client.send(b"6\r\n world\r\n0\r\nLambda-Runtime-Function-Error-Type: E.x\r\n")
        await client.send(b"X-Other:  v \r\n\r\n")
        await client.send(b"POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
        answers = await _answers(client, 2)
    assert answers.count(b"HTTP/1.1 202 Accepted\r\n") == 2
    (first, body1), (second, body2) = seen
    assert (first.method, first.path, body1) == ("POST", "/a", b"hello world")
    assert first.trailers == {"lambda-runtime-function-error-type": "E.x", "x-other": "v"}
    assert (second.path, body2, second.trailers) == ("/b", b"abc", {})


async def test_expect_continue_is_answered_before_the_body_is_read() -> None:
    async with _server() as (client, seen, _):
        await client.send(b"POST /r HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        with anyio.fail_after(5):
            interim = await client.receive()
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        await client.send(b"body")
        assert b"202 Accepted" in await _answers(client, 1)
    assert seen[0][1] == b"body"


async def test_a_body_over_the_limit_is_read_to_its_end_and_dropped() -> None:
    async with _server(limit=4) as (client, seen, _):
        await client.send(b"POST /big HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789")
        await client.send(b"POST /small HTTP/1.1\r\nContent-Length: 2\r\n\r\nok")
        await _answers(client, 2)
    assert [(r.path, body) for r, body in seen] == [("/big", b"<over>"), ("/small", b"ok")]


@pytest.mark.parametrize(
    "raw",
    [
        b"NONSENSE\r\n\r\n",
        b"POST / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
    ],
)
async def test_what_is_not_http_is_a_bad_request(raw: bytes) -> None:
    async with _server() as (client, _, problems):
        await client.send(raw)
        await _until(lambda: bool(problems), lambda: anyio.sleep(0.01))
    assert problems
