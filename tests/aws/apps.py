"""A function for ``lambent serve`` that the invoke tests call."""

from __future__ import annotations

import msgspec

from lambent import App

app = App("calc")


class Add(msgspec.Struct):
    action: str
    a: int
    b: int


class Sum(msgspec.Struct):
    total: int


@app.invoke("add")
async def add(payload: Add) -> dict[str, int]:
    return {"total": payload.a + payload.b}


class Boom(msgspec.Struct):
    action: str
    why: str


@app.invoke("boom")
async def boom(payload: Boom) -> None:
    raise ValueError(payload.why)
