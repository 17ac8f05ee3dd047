"""The HTTP/1.1 server side the local Runtime API needs, on anyio streams.

Small on purpose: the Runtime API is a local endpoint with four routes, and it must read
what general servers throw away — the **trailers** of a chunked request body, where a
runtime streaming its response reports an error that happened after the body started
(``Lambda-Runtime-Function-Error-Type`` / ``-Body``, LAMBDA.md §3.1). aiohttp parses
trailers and drops them, so this module reads requests itself: the head, then a body
with ``Content-Length`` or ``Transfer-Encoding: chunked`` (chunk by chunk, trailers
kept), answering ``Expect: 100-continue``. Connections are kept alive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import anyio.abc

_MAX_HEAD = 64 * 1024
_READ = 256 * 1024
_REASONS = {100: "Continue", 200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found"}
_REASONS |= {413: "Request Entity Too Large", 500: "Internal Server Error"}


class BadRequest(Exception):
    """The peer sent something that is not an HTTP/1.1 request this server reads."""


@dataclass
class Request:
    """One request: its head, and its body read through :meth:`Reader.chunks`."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    keep_alive: bool
    trailers: dict[str, str] = field(default_factory=dict)  # filled once the body is read
    _body_left: bool = True


class Reader:
    """Requests read from one connection, one after the other."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self._buffer = bytearray()

    async def _fill(self) -> None:
        data = await self.stream.receive(_READ)
        self._buffer += data

    async def _line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise BadRequest("line too long")
            await self._fill()
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    async def _fields(self) -> dict[str, str]:
        """Header (or trailer) lines up to the empty one; names lower-cased."""
        found: dict[str, str] = {}
        size = 0
        while line := await self._line():
            size += len(line)
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or size > _MAX_HEAD:
                raise BadRequest(f"bad header line {line[:80]!r}")
            found[name.strip().lower()] = value.strip()
        return found

    async def request(self) -> Request | None:
        """The next request's head, or ``None`` when the peer closed between requests."""
        try:
            while not self._buffer:
                await self._fill()
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            return None
        parts = (await self._line()).decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest(f"bad request line {' '.join(parts)[:80]!r}")
        method, path, version = parts
        headers = await self._fields()
        connection = headers.get("connection", "").lower()
        keep = connection != "close" and (version != "HTTP/1.0" or connection == "keep-alive")
        return Request(method, path, headers, keep)

    async def chunks(self, request: Request) -> AsyncIterator[bytes]:
        """The body as it arrives; for a chunked body, its trailers end in ``request``."""
        if not request._body_left:
            return
        request._body_left = False
        if request.headers.get("expect", "").lower() == "100-continue":
            await self.stream.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if request.headers.get("transfer-encoding", "").lower() == "chunked":
            async for chunk in self._chunked(request):
                yield chunk
            return
        try:
            left = int(request.headers.get("content-length", "0") or 0)
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        while left > 0:
            if not self._buffer:
                await self._fill()
            piece = bytes(self._buffer[:left])
            del self._buffer[: len(piece)]
            left -= len(piece)
            yield piece

    async def _chunked(self, request: Request) -> AsyncIterator[bytes]:
        while True:
            size_text = (await self._line()).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest(f"bad chunk size {size_text[:20]!r}") from None
            if size == 0:
                request.trailers = await self._fields()
                return
            while len(self._buffer) < size + 2:
                await self._fill()
            chunk = bytes(self._buffer[:size])
            if self._buffer[size : size + 2] != b"\r\n":
                raise BadRequest("a chunk does not end with CRLF")
            del self._buffer[: size + 2]
            yield chunk

    async def body(self, request: Request, limit: int) -> bytes | None:
        """The whole body, or ``None`` when it is over ``limit`` bytes (then read to its
        end and dropped, so the connection stays usable)."""
        declared = request.headers.get("content-length", "")
        parts: list[bytes] = []
        size = int(declared) if declared.isdigit() else 0
        over = size > limit
        size = 0
        async for chunk in self.chunks(request):
            size += len(chunk)
            over = over or size > limit
            if not over:
                parts.append(chunk)
        return None if over else b"".join(parts)

    async def drain(self, request: Request) -> None:
        """Read what is left of ``request``'s body, so the next request can be read."""
        async for _ in self.chunks(request):
            pass


def response(
    status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> bytes:
    """A whole response with a ``Content-Length`` body."""
    lines = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n{lines}"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
