"""Checked by mypy --strict in tests/test_typing.py: the public API keeps handler types."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, assert_type

import msgspec

from lambent import App, Dropped, DroppedType, LambdaContext, Logger, Response, Transformed
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, TestClient, sqs_event


class Order(msgspec.Struct):
    id: int


app = App(concurrency=10, deadline_margin=0.5)


@app.sqs("orders")
async def on_order(order: Order, message: SQSMessage, context: LambdaContext, log: Logger) -> None:
    log.info("order", id=order.id, queue=message.queue_name, request=context.aws_request_id)


@app.firehose("deliveries")
def transform(order: Order) -> Transformed | DroppedType:
    return Dropped if order.id < 0 else Transformed({"id": order.id}, {"day": "mon"})


@app.get("/orders/{order_id}")
def get_order(order_id: int) -> Response:
    return Response({"id": order_id}, status=200)


@app.put("/orders/{order_id}", threaded=True)
def put_order(order_id: int, order: Order) -> Order:
    return order


@app.on("sqs", filters={"queue": "orders-audit"}, threaded=True)
def audit(order: Order) -> None: ...


app.configure_http(max_body_size=1024)
app.get("/x", threded=True)  # type: ignore[call-arg]  # options are typed keywords

# decorators return the function unchanged, so its type survives ...
keeps_async: Callable[[Order, SQSMessage, LambdaContext, Logger], Coroutine[Any, Any, None]] = (
    on_order
)
keeps_sync: Callable[[Order], Transformed | DroppedType] = transform
keeps_http: Callable[[int], Response] = get_order
keeps_typed_body: Callable[[int, Order], Order] = put_order
keeps_on: Callable[[Order], None] = audit
# ... and is not Any: a wrong assignment is an error (strict mode flags unneeded ignores)
wrong: Callable[[str], None] = get_order  # type: ignore[assignment]

result = app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
assert_type(result, Any)
assert_type(TestClient(app).get("/orders/1").status, int)


async def in_async_code() -> None:
    assert_type(await app.dispatch({}, FakeContext()), Any)


# routers, middleware, dependencies keep types too
from collections.abc import Iterator  # noqa: E402
from typing import Annotated  # noqa: E402

from lambent import Depends, Router  # noqa: E402
from lambent.http import CallNext, Middleware, Request  # noqa: E402

router = Router(tags=["orders"])


def session() -> Iterator[str]:
    yield "session"


@router.get("/sessions/{session_id}")
def get_session(session_id: int, db: Annotated[str, Depends(session)]) -> dict[str, str]:
    return {"db": db}


@router.middleware
async def stamp(request: Request, call_next: CallNext) -> Response:
    response = await call_next(request)
    response.headers["X-Stamp"] = "1"
    return response


assert_type(get_session(1, "x"), dict[str, str])  # the decorator kept the signature
registered: Middleware = stamp  # the decorator returned the middleware as it was
app.include(router, prefix="/v1")
