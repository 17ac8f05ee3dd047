"""A real lambent App, served by the local Lambda in-process and under awslambdaric."""

from __future__ import annotations

import msgspec

from lambent import App

app = App()


class Greet(msgspec.Struct):
    action: str
    name: str


@app.invoke("greet")
async def greet(payload: Greet) -> dict[str, str]:
    return {"greeting": f"hello {payload.name}"}


@app.invoke("explode")
async def explode(payload: dict[str, str]) -> None:
    raise KeyError("explode")


handler = app.handler
