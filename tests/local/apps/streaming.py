"""A Function URL app whose route streams its body (tests/local/test_streaming.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio

from lambent import App
from lambent.http import StreamingResponse

app = App()


@app.get("/story")
async def story() -> StreamingResponse:
    async def chapters() -> AsyncIterator[str]:
        yield "once upon a time\n"
        await anyio.sleep(1.0)
        yield "the end\n"

    return StreamingResponse(chapters(), headers={"content-type": "text/plain"}, cookies=["a=1"])


@app.get("/broken")
async def broken() -> StreamingResponse:
    async def chapters() -> AsyncIterator[bytes]:
        yield b"half a story"
        raise RuntimeError("the storyteller fell asleep")

    return StreamingResponse(chapters())


@app.get("/refused")
async def refused() -> StreamingResponse:
    async def chapters() -> AsyncIterator[bytes]:
        told: tuple[bytes, ...] = ()
        for chapter in told:  # nothing is told before the failure
            yield chapter
        raise RuntimeError("no story today")

    return StreamingResponse(chapters())


@app.invoke("fail")
def fail(payload: dict[str, str]) -> None:
    raise ValueError("no story today")


class StoryEnded(BaseException):
    """A user's own BaseException."""


@app.get("/interrupted/{kind}")
async def interrupted(kind: str) -> StreamingResponse:
    async def chapters() -> AsyncIterator[bytes]:
        yield b"half a story"
        if kind == "exit":
            raise SystemExit(3)
        if kind == "interrupt":
            raise KeyboardInterrupt
        raise StoryEnded("the storyteller left")

    return StreamingResponse(chapters())
