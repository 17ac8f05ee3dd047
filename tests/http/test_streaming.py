"""Streamed HTTP responses (lambent.http._streaming): which results stream, their chunks
as bytes, and what a streamed result settles to with and without a streaming runtime."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App
from lambent.http import CallNext, Request, Response, SetCookie, StreamingResponse
from lambent.http._streaming import STREAMING, Streamed, chunks, is_stream, settle
from lambent.testing import FakeContext, TestClient, http_request


async def _agen(*parts: bytes | str) -> AsyncIterator[bytes | str]:
    for part in parts:
        yield part


async def _body(result: AsyncIterator[bytes | str]) -> bytes | str:
    """The whole body of a streamed result, settled (joined, or streamed and read)."""
    settled = await settle(result)
    if isinstance(settled, Streamed):
        return b"".join([c async for c in settled.body])
    assert isinstance(settled, Response) and isinstance(settled.body, bytes | str)
    return settled.body


def test_what_streams() -> None:
    assert is_stream(StreamingResponse([b"x"]))
    assert is_stream(_agen("a"))
    assert not is_stream(Response(b"x")) and not is_stream([b"x"]) and not is_stream("text")


async def test_chunks_are_bytes_from_sync_and_async_iterables() -> None:
    assert [c async for c in chunks(["é", b"\x00", bytearray(b"z")])] == [
        "é".encode(),
        b"\x00",
        b"z",
    ]
    assert [c async for c in chunks(_agen("a", b"b"))] == [b"a", b"b"]


@pytest.mark.parametrize("streaming", [False, True], ids=["joined", "streamed"])
@pytest.mark.parametrize(
    ("bad", "named"),
    [(5, "chunk 1 of the streamed body is int 5"), ({"a": 1}, "is dict {'a': 1}"),
     (None, "is NoneType None"), (10**12, "is int 1000000000000")],
    ids=["int", "dict", "none", "huge-int"],
)  # fmt: skip
async def test_a_chunk_that_is_not_bytes_or_text_is_a_type_error_naming_it(
    bad: object, named: str, streaming: bool
) -> None:
    # bytes(5) was five NUL bytes sent as the chunk (10**12 of them: the process's memory),
    # bytes({"a": 1}) "'str' object cannot be interpreted as an integer"
    token = STREAMING.set(streaming)
    try:
        with pytest.raises(TypeError) as raised:
            await _body(_agen("n=", bad))  # type: ignore[arg-type]
    finally:
        STREAMING.reset(token)
    assert named in str(raised.value) and "a streamed body yields bytes or str" in str(raised.value)


@pytest.mark.parametrize("body", ["text", b"bytes", bytearray(b"x"), memoryview(b"x")])
def test_a_streaming_response_of_one_whole_body_is_refused(body: object) -> None:
    # iterated, text gave characters and bytes gave ints (each int that many NUL bytes)
    with pytest.raises(TypeError, match="takes an iterable of chunks, not one"):
        StreamingResponse(body)  # type: ignore[arg-type]


async def test_without_a_streaming_runtime_text_chunks_join_into_text() -> None:
    settled = await settle(_agen("he", "llo"))
    assert not isinstance(settled, Streamed) and isinstance(settled, Response)
    assert settled.body == "hello" and settled.status == 200


async def test_without_a_streaming_runtime_mixed_chunks_join_into_bytes_keeping_the_rest() -> None:
    source = StreamingResponse(
        ["a", b"b"],
        status=201,
        headers={"X-Kind": "mixed"},
        cookies=[SetCookie("s", "1")],
        media_type="text/csv",
    )
    settled = await settle(source)
    assert isinstance(settled, Response) and not isinstance(settled, StreamingResponse)
    assert settled.body == b"ab" and settled.status == 201
    assert settled.headers["x-kind"] == "mixed" and settled.media_type == "text/csv"
    assert settled.all_cookies() == source.all_cookies()


@given(st.lists(st.binary(max_size=8) | st.text(max_size=4), max_size=6))
async def test_streamed_or_joined_the_bytes_are_the_same(parts: list[bytes | str]) -> None:
    joined = await settle(list(parts))
    assert isinstance(joined, Response)
    whole = joined.body.encode() if isinstance(joined.body, str) else joined.body
    token = STREAMING.set(True)
    try:
        streamed = await settle(list(parts))
    finally:
        STREAMING.reset(token)
    assert isinstance(streamed, Streamed)
    assert b"".join([c async for c in streamed.body]) == whole


async def test_under_a_streaming_runtime_the_prelude_goes_first() -> None:
    token = STREAMING.set(True)
    try:
        streamed = await settle(
            StreamingResponse(
                _agen("x"),
                status=202,
                headers={"X-Trace": "t"},
                cookies=[SetCookie("a", "1")],
                media_type="text/plain",
            )
        )
        typed = await settle(
            StreamingResponse([b""], headers={"Content-Type": "a/b"}, media_type="c/d")
        )
    finally:
        STREAMING.reset(token)
    assert isinstance(streamed, Streamed)
    assert streamed.prelude["statusCode"] == 202
    assert streamed.prelude["headers"] == {"x-trace": "t", "content-type": "text/plain"}
    assert len(streamed.prelude["cookies"]) == 1 and streamed.prelude["cookies"][0].startswith(
        "a=1"
    )
    assert [c async for c in streamed.body] == [b"x"]
    assert isinstance(typed, Streamed)
    assert typed.prelude["headers"]["content-type"] == "a/b"  # a header given wins


class _OutOfStock(Exception):
    pass


class _OutOfStockRows:
    """An async iterator whose first step raises."""

    def __aiter__(self) -> _OutOfStockRows:
        return self

    async def __anext__(self) -> str:
        raise _OutOfStock("pens")


def _failing_app(middleware: bool) -> App:
    app = App()

    @app.get("/report")
    async def report() -> StreamingResponse:
        return StreamingResponse(_OutOfStockRows(), headers={"content-type": "text/csv"})

    @app.get("/late")
    async def late() -> AsyncIterator[str]:
        async def rows() -> AsyncIterator[str]:
            yield "first row\n"
            raise _OutOfStock("pencils")

        return rows()

    @app.exception_handler(_OutOfStock)
    def out_of_stock(request: Request, exc: _OutOfStock) -> Response:
        return Response({"missing": str(exc)}, status=409)

    if middleware:

        @app.middleware
        async def passing(request: Request, call_next: CallNext) -> Response:
            return await call_next(request)

    return app


@pytest.mark.parametrize("middleware", [False, True], ids=["plain", "middleware"])
def test_a_body_failing_before_its_first_chunk_is_the_routes_failure_when_joined(
    middleware: bool,
) -> None:
    # through middleware, the failure escaped the router: the invocation's error (a 502 at
    # a Function URL) instead of the exception handler's answer
    client = TestClient(_failing_app(middleware))
    r = client.get("/report")
    assert r.status == 409 and r.json() == {"missing": "pens"}


@pytest.mark.parametrize("middleware", [False, True], ids=["plain", "middleware"])
async def test_a_body_failing_before_its_first_chunk_is_not_streamed(middleware: bool) -> None:
    # streamed, it was a 200 prelude and a body cut at once (the error in the trailers),
    # where the same route answers 409 when its chunks are joined
    app = _failing_app(middleware)
    token = STREAMING.set(True)
    try:
        async with app.running():
            refused = await app.dispatch(http_request("GET", "/report"), FakeContext())
            late = await app.dispatch(http_request("GET", "/late"), FakeContext())
            assert isinstance(late, Streamed) and late.prelude["statusCode"] == 200
            with pytest.raises(_OutOfStock):
                assert [c async for c in late.body] == [b"first row\n"]
    finally:
        STREAMING.reset(token)
    assert isinstance(refused, dict)
    assert refused["statusCode"] == 409 and json.loads(refused["body"]) == {"missing": "pens"}


async def test_under_a_streaming_runtime_an_empty_body_is_a_prelude_alone() -> None:
    token = STREAMING.set(True)
    try:
        streamed = await settle(_agen())
    finally:
        STREAMING.reset(token)
    assert isinstance(streamed, Streamed) and streamed.prelude["statusCode"] == 200
    assert [c async for c in streamed.body] == []


async def _waits() -> AsyncIterator[str]:
    yield "a"
    await anyio.sleep(0.001)  # needs an event loop (a checkpoint would not, stepped)
    yield "b"


def _plain_streaming_app(returns: object) -> App:
    app = App()

    def report():  # type: ignore[no-untyped-def]
        return StreamingResponse(_waits(), headers={"content-type": "text/plain"})

    if returns is not None:
        report.__annotations__["return"] = returns
    app.get("/report")(report)
    return app


@pytest.mark.parametrize(
    "returns",
    [StreamingResponse, AsyncIterator[str], "StreamingResponse", "AsyncIterator[bytes]"],
    ids=["class", "generic", "text", "text-generic"],
)
def test_a_plain_route_annotated_as_streaming_gets_an_event_loop(returns: object) -> None:
    # an app of plain handlers ran without a loop: the body's first await failed with
    # anyio's NoEventLoopError, a 500 under awslambdaric, lambent.runtime and the client
    r = TestClient(_plain_streaming_app(returns)).get("/report")
    assert (r.status, r.text) == (200, "ab")


def test_a_stream_awaiting_without_an_event_loop_says_how_to_get_one() -> None:
    stepped = settle(_waits())  # stepped as a loop-free app steps it: no event loop
    with pytest.raises(RuntimeError) as raised:
        stepped.send(None)
    assert type(raised.value).__name__ == "NoEventLoopError"
    (note,) = raised.value.__notes__
    assert "Write the route `async def`, or annotate its return" in note
    r = TestClient(_plain_streaming_app(None)).get("/report")  # unannotated: no loop
    assert r.status == 500
