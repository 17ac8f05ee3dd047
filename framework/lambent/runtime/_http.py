"""A small HTTP/1.1 client for the Runtime API, on anyio: one kept-alive connection a loop.

The Runtime API is a local endpoint that answers with ``Content-Length`` bodies (chunked
ones are read too); this client writes requests with either a known body or a chunked
body followed by trailers (the streaming response mode, LAMBDA.md §3.1), which
``http.client`` cannot send. No client timeout is set: ``/next`` may block for as long
as the environment is frozen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import anyio
import anyio.abc

from lambent.runtime._wire import RuntimeAPIError, parse_response, request_head


class Connection:
    """One persistent connection to ``host:port``; reconnects once when a kept-alive one was closed."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self._stream: anyio.abc.ByteStream | None = None
        self._buffer = bytearray()

    async def _connect(self) -> anyio.abc.ByteStream:
        if self._stream is None:
            try:
                self._stream = await anyio.connect_tcp(self.host, self.port)
            except OSError as exc:
                raise RuntimeAPIError(
                    f"cannot reach the Runtime API at {self.host}:{self.port}: {exc}"
                ) from None
            self._buffer.clear()
        return self._stream

    async def aclose(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.aclose()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and read its whole answer: status, headers (lower-case), body."""
        head = request_head(method, path, self.host, headers or {}, body)
        for attempt in (1, 2):
            stream = await self._connect()
            try:
                await stream.send(head + body if len(body) < 65536 else head)
                if len(body) >= 65536:
                    await stream.send(body)
                return await self._read_response()
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError) as exc:
                await self.aclose()
                if attempt == 2:
                    raise RuntimeAPIError(
                        f"the Runtime API closed the connection: {exc!r}"
                    ) from None
        raise AssertionError("unreachable")

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
        stream = await self._connect()
        try:
            await stream.send(request_head(method, path, self.host, headers, None, extra))
            async for chunk in chunks:
                if chunk:
                    await stream.send(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            tail = "".join(f"{k}: {v}\r\n" for k, v in trailers.items() if v)
            await stream.send(b"0\r\n" + tail.encode() + b"\r\n")
            return await self._read_response()
        except (anyio.EndOfStream, anyio.BrokenResourceError, OSError) as exc:
            await self.aclose()
            raise RuntimeAPIError(f"the Runtime API closed the connection: {exc!r}") from None

    async def _read_response(self) -> tuple[int, dict[str, str], bytes]:
        assert self._stream is not None
        while (answer := parse_response(self._buffer)) is None:
            self._buffer += await self._stream.receive(262144)
        if answer[1].get("connection", "").lower() == "close":
            await self.aclose()
        return answer
