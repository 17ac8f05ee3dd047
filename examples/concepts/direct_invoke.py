"""Direct invocation (``aws lambda invoke``, Step Functions, another function).

``@app.invoke("name")`` takes payloads whose ``action`` field (``field=`` to pick
another) equals ``name``; ``@app.invoke()`` routes by the payload's type (a tagged
Struct union works well). The handler's return value is the function's result.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lambent import App, LambdaContext
from lambent.testing import FakeContext

app = App()


class Refund(msgspec.Struct, tag_field="type", tag="refund"):
    order_id: str
    amount: int


class Cancel(msgspec.Struct, tag_field="type", tag="cancel"):
    order_id: str


@app.invoke("ping")
def ping(payload: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"pong": True, "request_id": context.aws_request_id}


@app.invoke()
async def refund(job: Refund) -> dict[str, Any]:
    return {"refunded": job.order_id, "amount": job.amount}


@app.invoke()
async def cancel(job: Cancel) -> dict[str, Any]:
    return {"cancelled": job.order_id}


def run() -> list[Any]:
    context = FakeContext(aws_request_id="req-1")
    return [
        app.handler({"action": "ping"}, context),
        app.handler({"type": "refund", "order_id": "o1", "amount": 250}, context),
        app.handler({"type": "cancel", "order_id": "o2"}, context),
    ]


if __name__ == "__main__":
    print(run())
