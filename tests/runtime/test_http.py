"""The Runtime API client (lambent.runtime._http) against a small server on 127.0.0.1:
one kept-alive connection, a reconnect when the server closed it, a large body, a
chunked request with trailers, and an unreachable API told as RuntimeAPIError."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import pytest

from lambent.runtime._http import Connection
from lambent.runtime._wire import RuntimeAPIError

pytestmark = pytest.mark.network


async def _read_request(stream: anyio.abc.ByteStream, buffer: bytearray) -> bytes | None:
    """One whole request (Content-Length or chunked), or None when the client left."""
    while b"\r\n\r\n" not in buffer:
        try:
            buffer += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            return None
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).lower()
    if b"transfer-encoding: chunked" in head:
        while not buffer.endswith(b"\r\n\r\n") or buffer.count(b"0\r\n") == 0 or len(buffer) == end:
            buffer += await stream.receive()
        whole = bytes(buffer)
    else:
        length = (
            int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            if b"content-length" in head
            else 0
        )
        while len(buffer) < end + length:
            buffer += await stream.receive()
        whole = bytes(buffer[: end + length])
    del buffer[: len(whole)]
    return whole


@asynccontextmanager
async def server(
    answer: Callable[[bytes, int], tuple[bytes, bool]],
) -> AsyncIterator[tuple[str, list[bytes], list[int]]]:
    """Serves ``answer(request, connection number) -> (response, close after it)``."""
    seen: list[bytes] = []
    connections: list[int] = []
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def serve(stream: anyio.abc.SocketStream) -> None:
        connections.append(len(connections) + 1)
        number = len(connections)
        buffer = bytearray()
        async with stream:
            while (request := await _read_request(stream, buffer)) is not None:
                seen.append(request)
                response, close = answer(request, number)
                await stream.send(response)
                if close:
                    return

    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        try:
            with anyio.fail_after(10):
                yield f"127.0.0.1:{port}", seen, connections
        finally:
            tg.cancel_scope.cancel()


def ok(body: bytes, *extra: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in extra)
    return f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def test_two_requests_share_one_kept_alive_connection() -> None:
    async with server(lambda request, n: (ok(b"answer %d" % n), False)) as (address, seen, conns):
        api = Connection(address)
        assert await api.request("GET", "/next") == (200, {"content-length": "8"}, b"answer 1")
        assert (await api.request("POST", "/r", b"{}", {"Content-Type": "application/json"}))[
            2
        ] == b"answer 1"
        await api.aclose()
    assert conns == [1] and seen[1].endswith(b"Content-Length: 2\r\n\r\n{}")


async def test_a_connection_the_server_closed_is_made_again_once() -> None:
    def answer(request: bytes, n: int) -> tuple[bytes, bool]:
        return ok(b"from %d" % n), True  # closes after each answer, without saying so

    async with server(answer) as (address, _, conns):
        api = Connection(address)
        assert (await api.request("GET", "/next"))[2] == b"from 1"
        assert (await api.request("GET", "/next"))[2] == b"from 2"
        await api.aclose()
    assert conns == [1, 2]


async def test_connection_close_is_honoured_and_a_large_body_arrives_whole() -> None:
    big = bytes(range(256)) * 1024  # 256 KiB: sent after the head
    async with server(lambda request, n: (ok(b"%d" % len(request), "Connection: close"), True)) as (
        address,
        seen,
        conns,
    ):
        api = Connection(address)
        status, headers, _ = await api.request("POST", "/response", big)
        assert status == 200 and headers["connection"] == "close"
        await api.request("GET", "/next")
        await api.aclose()
    assert seen[0].endswith(big) and conns == [1, 2]


async def test_a_chunked_request_sends_its_chunks_then_the_trailers() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b""
        yield b"world"

    async with server(lambda request, n: (ok(b"ok"), False)) as (address, seen, _):
        api = Connection(address)
        trailers = {"Lambda-Runtime-Function-Error-Type": "X", "Empty": ""}
        await api.stream_request("POST", "/response", chunks(), {"Lambda-Runtime-Function-Response-Mode": "streaming"},
                                 trailers, ("Lambda-Runtime-Function-Error-Type",))  # fmt: skip
        await api.aclose()
    head, _, body = seen[0].partition(b"\r\n\r\n")
    assert (
        b"Transfer-Encoding: chunked" in head
        and b"Trailer: Lambda-Runtime-Function-Error-Type" in head
    )
    assert (
        body == b"6\r\nhello \r\n5\r\nworld\r\n0\r\nLambda-Runtime-Function-Error-Type: X\r\n\r\n"
    )


async def test_an_unreachable_runtime_api_is_named() -> None:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    await listener.aclose()  # nothing listens there now
    with pytest.raises(RuntimeAPIError, match=f"cannot reach the Runtime API at 127.0.0.1:{port}"):
        await Connection(f"127.0.0.1:{port}").request("GET", "/next")


def test_addresses_with_and_without_a_host() -> None:
    conn: Any = Connection("[::1]:9001")
    assert (conn.host, conn.port) == ("::1", 9001)
    conn = Connection(":9001")
    assert (conn.host, conn.port) == ("127.0.0.1", 9001)
