"""The app ``lambent dev`` serves in its tests: one route per behaviour the issue lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import msgspec

from lambent import App
from lambent.http import Cookie, Request, Response, StreamingResponse

app = App()


class Order(msgspec.Struct):
    sku: str
    qty: int


@app.get("/users/{user_id}")
async def get_user(user_id: int) -> dict[str, object]:
    return {"id": user_id}


@app.post("/orders")
async def create_order(order: Order) -> Response:
    return Response({"sku": order.sku, "qty": order.qty}, status=201)


@app.get("/cookies")
async def cookies(a: Annotated[str, Cookie()], b: Annotated[str, Cookie()]) -> Response:
    response = Response({"a": a, "b": b})
    response.set_cookie("one", "1")
    response.set_cookie("two", "2")
    return response


@app.post("/image")
async def image(data: bytes) -> Response:
    return Response(data[::-1], media_type="image/png")


@app.get("/tags")
async def tags(tag: list[str]) -> dict[str, list[str]]:
    return {"tags": tag}


@app.post("/size")
async def size(data: bytes) -> dict[str, int]:
    return {"bytes": len(data)}


@app.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@app.get("/whoami")
async def whoami(request: Request) -> dict[str, object]:
    return {
        "request_id": request.request_id,
        "source_ip": request.source_ip,
        "tags": request.headers.get_all("x-tag"),
    }


async def _parts(pause: float, fail: bool) -> AsyncIterator[str]:
    for word in ("one", "two", "three"):
        yield word + "\n"
        if fail:
            raise RuntimeError("broke after the first chunk")
        await anyio.sleep(pause)


@app.get("/stream")
async def stream(pause: float = 0.0, fail: bool = False) -> StreamingResponse:
    response = StreamingResponse(
        _parts(pause, fail), status=201, headers={"x-kind": "words"}, media_type="text/plain"
    )
    response.set_cookie("seen", "yes")
    return response


@app.get("/huge")
async def huge(mb: float) -> Response:
    """A body of ``mb`` megabytes: over Lambda's (or an ALB's) result limit when large."""
    return Response("a" * int(mb * 1_048_576), media_type="text/plain")
