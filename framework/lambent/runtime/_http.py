"""A small HTTP/1.1 client for the Runtime API, on anyio: one kept-alive connection a loop.

The Runtime API is a local endpoint that answers with ``Content-Length`` bodies (chunked
ones are read too); this client writes requests with either a known body or a chunked
body followed by trailers (the streaming response mode, LAMBDA.md §3.1), which
``http.client`` cannot send. No client timeout is set: ``/next`` may block for as long
as the environment is frozen.

The connection is a non-blocking socket read and written between
:func:`anyio.wait_readable` / :func:`anyio.wait_writable`, with no stream buffering in
between: what has arrived is either in the kernel or in this client's buffer, so a stop
ending a wait on ``/next`` (:meth:`Connection.stop`) can tell whether the answer had begun
(see :meth:`Connection.request`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
import anyio.lowlevel

from lambent.runtime._wire import RuntimeAPIError, host_port, parse_response, request_head

_CHUNK = 262144


async def _open(host: str, port: int) -> socket.socket:
    """A connected non-blocking TCP socket (a numeric host is not looked up)."""
    found: list[tuple[Any, Any, Any, Any, Any]]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError | None = None
    for family, kind, proto, _, address in found:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            try:
                sock.connect(address)
            except BlockingIOError:
                await anyio.wait_writable(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code)) from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error or OSError(f"cannot resolve {host}")


class Connection:
    """One persistent connection to ``host:port``; reconnects once when a kept-alive one was closed."""

    def __init__(self, address: str) -> None:
        self.host, self.port = host_port(address)
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._stopped = False
        #: the wait for the first byte of an answer a stop may end (see :meth:`request`)
        self._waiting: anyio.CancelScope | None = None

    def stop(self) -> None:
        """End a wait for an answer that has not begun (``request(..., stoppable=True)``),
        now or when the next one starts."""
        self._stopped = True
        if self._waiting is not None:
            self._waiting.cancel()

    async def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = await _open(self.host, self.port)
            except OSError as exc:
                raise RuntimeAPIError(
                    f"cannot reach the Runtime API at {self.host}:{self.port}: {exc}"
                ) from None
            self._buffer.clear()
        return self._sock

    async def aclose(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    async def _send(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                await anyio.wait_writable(sock)
                continue
            view = view[sent:]

    async def _receive(self, sock: socket.socket) -> None:
        """Wait for more of the answer and add it to the buffer (a cancellation while
        waiting takes nothing: what arrived stays in the kernel)."""
        while True:
            try:
                chunk = sock.recv(_CHUNK)
            except BlockingIOError:
                await anyio.wait_readable(sock)
                continue
            if not chunk:
                raise ConnectionResetError("closed by the Runtime API")
            self._buffer += chunk
            return

    def _arrived(self, sock: socket.socket) -> bool:
        """Whether any of the answer has arrived, taking what has (never waiting)."""
        if self._buffer:
            return True
        try:
            chunk = sock.recv(_CHUNK)
        except OSError:  # nothing yet (BlockingIOError), or the connection is gone
            return False
        self._buffer += chunk
        return bool(chunk)

    async def _sent_and_begun(self, sock: socket.socket, data: bytes) -> bool:
        """Send the request and wait for its answer to begin, unless stopped first: False
        when a stop came and nothing of the answer had arrived (the connection must then
        be closed: the request may be pending)."""
        if self._stopped:
            return False
        try:
            with anyio.CancelScope() as waiting:
                self._waiting = waiting
                await self._send(sock, data)
                if not self._buffer:
                    await self._receive(sock)
        finally:
            self._waiting = None
        return not waiting.cancel_called or self._arrived(sock)

    async def _exchange(
        self, head: bytes, body: bytes, stoppable: bool
    ) -> tuple[int, dict[str, str], bytes] | None:
        await anyio.lowlevel.checkpoint()  # a loop answered at once still lets others run
        for attempt in (1, 2):
            sock = await self._connect()
            try:
                if not stoppable:
                    await self._send(sock, head + body)
                elif not await self._sent_and_begun(sock, head + body):
                    return None
                return await self._read_response(sock)
            except OSError as exc:
                await self.aclose()
                if attempt == 2:
                    raise RuntimeAPIError(
                        f"the Runtime API closed the connection: {exc!r}"
                    ) from None
        raise AssertionError("unreachable")

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and read its whole answer: status, headers (lower-case), body."""
        head = request_head(method, path, self.host, headers or {}, body)
        answer = await self._exchange(head, body, stoppable=False)
        assert answer is not None  # only a stoppable exchange is stopped
        return answer

    async def poll(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        """``GET path`` (``/next``), which :meth:`stop` may end: ``None`` when it did while
        nothing of the answer had arrived; once its first byte is here the answer is read
        whole (the Runtime API has handed the invocation over)."""
        head = request_head("GET", path, self.host, {}, b"")
        return await self._exchange(head, b"", stoppable=True)

    async def stream_request(
        self,
        method: str,
        path: str,
        chunks: AsyncIterator[bytes],
        headers: Mapping[str, str],
        trailers: dict[str, str],
        announce: tuple[str, ...] = (),
    ) -> tuple[int, dict[str, str], bytes]:
        """Send a chunked body as ``chunks`` yields it, then ``trailers`` (filled while it
        ran; ``announce`` names them in the ``Trailer`` header)."""
        announced = ", ".join(announce)
        extra = "Transfer-Encoding: chunked\r\n"
        if announced:
            extra += f"Trailer: {announced}\r\n"
        sock = await self._connect()
        try:
            await self._send(sock, request_head(method, path, self.host, headers, None, extra))
            async for chunk in chunks:
                if chunk:
                    await self._send(sock, b"%x\r\n%b\r\n" % (len(chunk), chunk))
            tail = "".join(f"{k}: {v}\r\n" for k, v in trailers.items() if v)
            await self._send(sock, b"0\r\n" + tail.encode() + b"\r\n")
            return await self._read_response(sock)
        except OSError as exc:
            await self.aclose()
            raise RuntimeAPIError(f"the Runtime API closed the connection: {exc!r}") from None

    async def _read_response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        while (answer := parse_response(self._buffer)) is None:
            await self._receive(sock)
        if answer[1].get("connection", "").lower() == "close":
            await self.aclose()
        return answer
