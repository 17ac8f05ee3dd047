"""Streamed HTTP responses: a route returns an async iterator of chunks, or a
:class:`StreamingResponse` (status, headers, cookies and such an iterator).

Under ``python -m lambent.runtime`` (its event-loop loop) and a Function URL with
``InvokeMode: RESPONSE_STREAM``, the body goes out as it is produced, in the Runtime
API's streaming mode (LAMBDA.md §3.1, §5.8): the runtime sets :data:`STREAMING` and the
router hands back a :class:`Streamed` instead of a rendered response (``lambent dev
--source function-url`` does the same). Everywhere else (awslambdaric, ``app.handler``,
the test client, ``lambent dev`` with another source) the chunks are collected and the
response is answered whole, as a buffered Function URL does.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from lambent.http._headers import HeaderInput
from lambent.http._response import Response, SetCookie

#: set by a runtime that can stream the current invocation's response
STREAMING: ContextVar[bool] = ContextVar("lambent_streaming", default=False)

#: one chunk: text (sent as UTF-8) or bytes (a bytearray or memoryview is copied)
Chunk = bytes | bytearray | memoryview | str
Chunks = AsyncIterable[Chunk] | Iterable[Chunk]


class StreamingResponse(Response):
    """A response whose body is sent chunk by chunk: an async (or plain) iterable of
    ``bytes`` (a ``bytearray`` or ``memoryview`` too) or ``str`` (UTF-8). Status, headers
    and cookies go first, in the prelude."""

    __slots__ = ()

    def __init__(
        self,
        body: Chunks,
        status: int = 200,
        headers: HeaderInput = None,
        *,
        cookies: Iterable[str | SetCookie] | Mapping[str, str] = (),
        media_type: str | None = None,
    ) -> None:
        if isinstance(body, str | bytes | bytearray | memoryview):
            # iterating it would give characters, or ints (each one sent as that many NULs)
            raise TypeError(
                f"StreamingResponse takes an iterable of chunks, not one {type(body).__name__}: "
                "for a whole body return a Response (or yield it as the one chunk)"
            )
        super().__init__(body, status, headers, cookies=cookies, media_type=media_type)


def is_stream(value: Any) -> bool:
    """A handler result that streams: a :class:`StreamingResponse` or an async iterator."""
    return isinstance(value, StreamingResponse | AsyncIterable)


async def chunks(body: Chunks) -> AsyncIterator[bytes]:
    """The body's chunks as bytes."""
    async for chunk in _raw(body):
        yield chunk.encode() if isinstance(chunk, str) else bytes(chunk)


def _checked(chunk: object, index: int) -> Chunk:
    """A chunk the body yielded, when it is one: anything else is a ``TypeError`` naming it
    (``bytes(5)`` would have sent five NUL bytes, ``bytes({...})`` failed saying nothing
    of the stream)."""
    if isinstance(chunk, str | bytes | bytearray | memoryview):
        return chunk
    shown = repr(chunk)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise TypeError(
        f"chunk {index} of the streamed body is {type(chunk).__name__} {shown}: "
        "a streamed body yields bytes or str"
    )


class Streamed:
    """What the router answers when the runtime streams: the prelude and the chunks."""

    __slots__ = ("body", "prelude")

    def __init__(self, prelude: dict[str, Any], body: AsyncIterator[bytes]) -> None:
        self.prelude = prelude
        self.body = body


async def settle(value: Any) -> Response | Streamed:
    """A streamed result as a :class:`Streamed` (when the runtime streams; its first chunk
    already produced) or as a whole :class:`Response` with the chunks joined. Raises what
    the body raises before its first chunk (joined: before its last)."""
    response = value if isinstance(value, StreamingResponse) else StreamingResponse(value)
    if STREAMING.get():
        headers = {name.lower(): value for name, value in response.headers.items()}
        if response.media_type and "content-type" not in headers:
            headers["content-type"] = response.media_type
        prelude = {
            "statusCode": response.status,
            "headers": headers,
            "cookies": response.all_cookies(),
        }
        # the first chunk is produced before the prelude goes: what the body raises before
        # it is the route's failure (its 500, through the exception handlers), as when the
        # chunks are joined, not a 200 whose body is cut at once
        body = chunks(response.body)
        try:
            first = await anext(body)
        except StopAsyncIteration:
            return Streamed(prelude, body)  # an empty body
        return Streamed(prelude, _resumed(first, body))
    return await joined(response)


async def _resumed(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """``first``, then the rest of the chunks."""
    yield first
    async for chunk in rest:
        yield chunk


async def joined(value: Any) -> Response:
    """A streamed result as a whole :class:`Response`, its chunks joined (text when every
    chunk is text)."""
    response = value if isinstance(value, StreamingResponse) else StreamingResponse(value)
    try:
        parts = [chunk async for chunk in _raw(response.body)]
    except RuntimeError as exc:
        if _without_loop(exc):
            exc.add_note(_NO_LOOP)
        raise
    body: str | bytes
    if all(isinstance(part, str) for part in parts):
        body = "".join(parts)  # type: ignore[arg-type]
    else:
        body = b"".join(p.encode() if isinstance(p, str) else bytes(p) for p in parts)
    return Response(body, response.status, response.headers, cookies=response.cookies,
                    media_type=response.media_type)  # fmt: skip


_NO_LOOP = (
    "the streamed body awaits, and no event loop runs it: an app whose handlers are all "
    "plain `def`s runs without one. Write the route `async def`, or annotate its return "
    "(`-> StreamingResponse`, `-> AsyncIterator[str]`) so the app gets a loop"
)


def _without_loop(exc: RuntimeError) -> bool:
    """Whether ``exc`` says no event loop runs (anyio's ``NoEventLoopError``, asyncio's
    ``no running event loop``)."""
    return type(exc).__name__ == "NoEventLoopError" or "no running event loop" in str(exc)


async def _raw(body: Chunks) -> AsyncIterator[Chunk]:
    index = 0
    if isinstance(body, AsyncIterable):
        async for chunk in body:
            yield _checked(chunk, index)
            index += 1
    else:
        for chunk in body:
            yield _checked(chunk, index)
            index += 1
