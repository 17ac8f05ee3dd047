"""The app the layer tests deploy: lambent comes from the layer, Python from the runtime.

``handler = app.handler`` is the function's ``_HANDLER`` (``layer_app.handler``). The SQS
route fails every message whose body says ``"poison": true``; the ``where`` invocation
tells where lambent and msgspec were imported from, and by which Python.
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec

import lambent
from lambent import App

app = App(name="layer-test")


class Order(msgspec.Struct):
    id: str
    poison: bool = False


@app.sqs("orders")
async def on_order(order: Order) -> None:
    if order.poison:
        raise ValueError(f"order {order.id} is poison")


@app.invoke("where")
def where(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "lambent": lambent.__file__,
        "msgspec": msgspec.__file__,
        "path": sys.path,
        "runtime": "lambent.runtime" if "lambent.runtime._loop" in sys.modules else "awslambdaric",
        "runpy": "runpy" in sys.modules,
    }


handler = app.handler
