"""Checked by mypy --strict in tests/test_typing.py: the public API keeps handler types."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, assert_type

import msgspec

from lambent import App, Dropped, DroppedType, LambdaContext, Logger, Response, Transformed
from lambent.sources.cloudformation import CustomResourceRequest, CustomResourceResponse
from lambent.sources.cognito import PreSignUpRequest, PreSignUpResponse
from lambent.sources.s3_batch import S3BatchTask
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


@app.cognito("PreSignUp")
def pre_signup(request: PreSignUpRequest) -> PreSignUpResponse:
    return PreSignUpResponse(auto_confirm_user=True)


@app.appsync("Query", "getOrder", concurrency=4)
async def get_order_field(args: Order) -> dict[str, int]:
    return {"id": args.id}


@app.custom_resource("Custom::Order")
def order_resource(props: Order, request: CustomResourceRequest) -> CustomResourceResponse:
    return CustomResourceResponse(physical_resource_id=str(props.id))


@app.s3_batch(treat_missing_keys_as="Succeeded")
def s3_task(task: S3BatchTask) -> str:
    return task.key


@app.bedrock_agent(api_path="/orders/{id}", http_method="GET")
def agent_action(args: Order) -> dict[str, int]:
    return {"id": args.id}


keeps_cognito: Callable[[PreSignUpRequest], PreSignUpResponse] = pre_signup
keeps_appsync: Callable[[Order], Coroutine[Any, Any, dict[str, int]]] = get_order_field
keeps_resource: Callable[[Order, CustomResourceRequest], CustomResourceResponse] = order_resource
keeps_s3_batch: Callable[[S3BatchTask], str] = s3_task
keeps_agent: Callable[[Order], dict[str, int]] = agent_action
app.s3_batch(treat_missing_keys_as="Sometimes")  # type: ignore[arg-type]


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
TestClient(app).get("/orders/1", json={"id": 1}, headers={"x-a": "1"}, source="alb")
TestClient(app).post("/orders", jsn={"id": 1})  # type: ignore[call-arg]  # typed options


async def in_async_code() -> None:
    assert_type(await app.dispatch({}, FakeContext()), Any)


# idempotency, metrics and tracing: typed options and values
from lambent.idempotency import DynamoDBStore, IdempotencyStore, MemoryStore  # noqa: E402
from lambent.metrics import Metrics  # noqa: E402
from lambent.tracing import Tracing  # noqa: E402

store: IdempotencyStore = MemoryStore()
shared: IdempotencyStore = DynamoDBStore("idempotency", keep=3600)
observed = App(idempotency=store, metrics=Metrics(namespace="shop"), tracing=Tracing())


@observed.sqs("payments", idempotent=True)
async def pay(order: Order, metrics: Metrics) -> None:
    metrics.add("Paid", 1, unit="Count")


@observed.kinesis("clicks", idempotency_key=lambda order: str(order["id"]))
def click(order: dict[str, int]) -> None: ...


@observed.post("/orders", idempotent=True)
def create(order: Order) -> Order:
    return order


observed.sqs("q", idempotent="yes")  # type: ignore[arg-type]
Metrics(namespace="shop").add("x", 1, unit="Parsecs")  # type: ignore[arg-type]

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
