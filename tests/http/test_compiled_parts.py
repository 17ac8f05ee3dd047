"""The parts of a compiled HTTP route (``lambent.http._compiled_parts``): its argument
builder gives the keyword arguments the general path gives the handler, or the error the
general path refuses them with, exactly where it answers 422; a result's wire text is
``value_text``'s, and None exactly for what the router must finish."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, LambdaContext
from lambent._fast import general_path
from lambent.http import Body, RequestValidationError, Response
from lambent.http._compiled_parts import Refused, compile_args, json_result, texts
from lambent.http._registration import WebRegistry
from lambent.http._render import value_text
from lambent.testing import FakeContext, http_request


class Order(msgspec.Struct):
    sku: str
    qty: int = 1


SEEN: list[dict[str, Any]] = []


def put(order_id: str, order: Order) -> None:
    SEEN.append({"order_id": order_id, "order": order})


def put_optional(order_id: str, order: Order | None = None) -> None:
    SEEN.append({"order_id": order_id, "order": order})


def put_typed(order_id: int, order: Order) -> None:
    SEEN.append({"order_id": order_id, "order": order})


def put_text(order_id: str, note: Annotated[str, Body()]) -> None:
    SEEN.append({"order_id": order_id, "note": note})


def put_context(order_id: str, context: LambdaContext, order: Order) -> None:
    SEEN.append({"order_id": order_id, "context": context, "order": order})


HANDLERS = [put, put_optional, put_typed, put_text, put_context]
BODIES = st.one_of(
    st.none(),
    st.just(""),
    st.just('{"sku": "pen", "qty": 2}'),
    st.just('{"sku": 1}'),
    st.just("{not json"),
    st.text(max_size=6),
)


@settings(max_examples=120, deadline=None)
@given(
    fn=st.sampled_from(HANDLERS),
    body=BODIES,
    is_b64=st.booleans(),
    order_id=st.sampled_from(["7", "x", "-3"]),
)
def test_arguments_are_the_general_paths(
    fn: Any, body: str | None, is_b64: bool, order_id: str
) -> None:
    if is_b64 and body is not None:
        body = base64.b64encode(body.encode()).decode()
    context = FakeContext(aws_request_id="req-1")
    build = compile_args(WebRegistry().add_route(("PUT",), "/orders/{order_id}", fn))
    assert build is not None
    got = build({"order_id": order_id}, body, is_b64, context)

    app = App()
    app.put("/orders/{order_id}")(fn)
    event = http_request("PUT", f"/orders/{order_id}", source="apigw-rest")
    event["body"], event["isBase64Encoded"] = body, is_b64
    SEEN.clear()
    with general_path():
        answer = app.handler(event, context)
    if isinstance(got, Refused):  # the general path's own 422, the handler not called
        assert isinstance(got.error, RequestValidationError)
        assert answer["statusCode"] == 422 and SEEN == []
        assert json.loads(answer["body"]) == got.error.response().body
    else:
        assert answer["statusCode"] < 300
        assert len(SEEN) == 1
        assert got == SEEN[0]


def test_routes_the_builder_cannot_serve_get_none() -> None:
    async def slow(order_id: str) -> None: ...

    def with_request(order_id: str, request: Any) -> None: ...

    registry = WebRegistry()
    assert compile_args(registry.add_route(("GET",), "/a/{order_id}", slow)) is None
    route = registry.add_route(("GET",), "/b/{order_id}", put_text, threaded=True)
    assert compile_args(route) is None


class Summary(msgspec.Struct):
    total: int


async def _coroutine() -> int:
    return 1


async def _stream() -> Any:
    yield b"x"


@pytest.mark.parametrize(
    "value",
    [{"a": 1}, [1, "x"], Summary(3), "text", b"\x00\x01", 42, 1.5, True],
    ids=["dict", "list", "struct", "str", "bytes", "int", "float", "bool"],
)
def test_plain_results_have_value_texts_wire_text(value: Any) -> None:
    text_of = texts()
    text = text_of(value)
    assert text is not None
    assert text(value) == value_text(value)
    assert (text is json_result) == isinstance(value, dict | list | msgspec.Struct)
    assert text_of(value) is text  # decided once per type


def test_what_the_router_finishes_has_no_text() -> None:
    text_of = texts()
    coroutine = _coroutine()
    try:
        for value in (None, Response({"a": 1}), _stream(), coroutine):
            assert text_of(value) is None
    finally:
        coroutine.close()
