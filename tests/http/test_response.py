"""HTTP responses (:mod:`lambent.http._response`): reason phrases that do not depend on
Python, the statuses API Gateway takes, and the plain returns a handler may give
(:func:`to_response`, a ``(body, status[, headers])`` tuple as Flask and Powertools read it).
"""

from __future__ import annotations

import enum
from http import HTTPStatus
from typing import Any, NamedTuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lambent import App, ConfigurationError
from lambent.http import HTTPException, Response
from lambent.http._response import http_status, reason, to_response, tuple_response
from lambent.testing import FakeContext, TestClient, http_request


def test_reason_phrases_do_not_depend_on_the_python_version() -> None:
    assert reason(422) == "Unprocessable Content"
    assert reason(413) == "Content Too Large"
    assert reason(404) == "Not Found"
    assert reason(799) == "Unknown"


class Code(enum.IntEnum):
    ACCEPTED = 202


# the valid range drawn on its own too: st.integers() alone lands in it about once in 50
@given(
    st.one_of(
        st.integers(100, 599),
        st.integers(),
        st.booleans(),
        st.floats(),
        st.text(max_size=3),
        st.none(),
    )
)
@example(99)
@example(100)
@example(599)
@example(600)
def test_a_status_is_a_number_from_100_to_599_and_nothing_else(status: Any) -> None:
    ok = type(status) is int and 100 <= status <= 599
    if ok:
        assert http_status(status) == status == Response(None, status).status
        assert HTTPException(status).status == status
        return
    for make in (http_status, lambda s: Response(None, s), HTTPException):
        with pytest.raises(ValueError, match="an HTTP status is a number from 100 to 599"):
            make(status)


def test_an_int_enum_status_is_its_number() -> None:
    for status in (HTTPStatus.CREATED, Code.ACCEPTED):
        made = Response({"ok": True}, status).status
        assert made == int(status) and type(made) is int
    assert tuple_response(({}, HTTPStatus.NOT_FOUND)).status == 404


class Pair(NamedTuple):
    a: int
    b: int


def test_a_plain_return_is_its_response() -> None:
    assert to_response(None).status == 204
    response = Response("x", 201)
    assert to_response(response) is response
    for value in ([1, 2], Pair(1, 2), {"a": 1}, "text", b"bytes"):  # a named tuple is JSON
        made = to_response(value)
        assert made.body is value and made.status == 200
    made = to_response(({"a": 1}, 201, {"X-A": "1"}))
    assert (made.body, made.status, made.headers["x-a"]) == ({"a": 1}, 201, "1")
    made = to_response((None, 202))
    assert (made.body, made.status, len(made.headers)) == (None, 202, 0)


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        ((), TypeError, "not 0 values"),
        (({"a": 1},), TypeError, "not 1 values"),
        ((1, 200, {}, "x"), TypeError, r"not 4 values \(return a list for a JSON array\)"),
        ((Response("x"), 201), TypeError, "return the Response itself"),
        (({"a": 1}, "201"), ValueError, "not '201'"),
        (({"a": 1}, 42), ValueError, "not 42"),
        (({"a": 1}, True), ValueError, "not True"),
    ],
)
def test_a_tuple_that_is_no_response_says_what_one_is(
    value: tuple[Any, ...], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        tuple_response(value)


def test_a_handler_s_tuple_is_its_answer_and_a_bad_one_the_handler_s_500(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = App()

    @app.post("/orders")
    def create(order: dict[str, Any]) -> tuple[dict[str, Any], int]:
        return order, 201

    @app.get("/teapot")
    async def teapot() -> tuple[str, int, dict[str, str]]:
        return "short and stout", 418, {"X-Kind": "teapot"}

    @app.get("/wrong")
    def wrong() -> Any:
        return {"a": 1}, 42

    context = FakeContext()
    out = app.handler(http_request("POST", "/orders", json={"n": 1}), context)
    assert (out["statusCode"], out["body"]) == (201, '{"n":1}')
    assert out["headers"]["content-type"] == "application/json"
    out = app.handler(http_request("GET", "/teapot"), context)
    assert (out["statusCode"], out["body"]) == (418, "short and stout")
    assert out["headers"]["x-kind"] == "teapot"
    out = app.handler(http_request("GET", "/wrong"), context)
    assert out["statusCode"] == 500
    logged = capsys.readouterr().out
    assert "HandlerError" in logged and "wrong: ValueError: an HTTP status is a number" in logged


def _array() -> tuple[int, ...]:
    return (1, 2, 3)


def _pair() -> tuple[str, str]:
    return ("a", "b")


def _single() -> tuple[dict[str, int]]:
    return ({"a": 1},)


def _flag() -> tuple[dict[str, int], bool]:
    return ({"a": 1}, True)


@pytest.mark.parametrize("handler", [_array, _pair, _single, _flag])
def test_a_tuple_return_annotation_that_is_no_status_tuple_fails_at_registration(
    handler: Any,
) -> None:
    """A handler annotated to return ``tuple[int, ...]`` means a JSON array, as FastAPI
    sends it; lambent reads a returned tuple as ``(body, status[, headers])``, so every
    call would be its 500: refused where it is registered, naming it."""
    with pytest.raises(ConfigurationError) as raised:
        App().get("/t")(handler)
    message = str(raised.value)
    assert f"{handler.__qualname__} is annotated to return" in message
    assert "return a list for a JSON array" in message


def _with_status() -> tuple[dict[str, int], HTTPStatus]:
    return {"a": 1}, HTTPStatus.CREATED


def _with_anything() -> tuple[dict[str, int], Any]:
    return {"a": 1}, 202


@pytest.mark.parametrize(("handler", "status"), [(_with_status, 201), (_with_anything, 202)])
def test_status_tuple_annotations_register(handler: Any, status: int) -> None:
    app = App()
    app.get("/t")(handler)
    assert TestClient(app).get("/t").status == status


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "alb"])
def test_an_http_exception_written_as_for_fastapi_answers_its_status(source: Any) -> None:
    """``HTTPException(status_code=404, detail="...")`` raised a TypeError (and a str
    ``detail`` a ValueError) where it was raised: the error path answered 500."""
    app = App()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        if item_id == 1:
            raise HTTPException(status_code=404, detail="Item not found")
        if item_id == 2:
            raise HTTPException(409, detail="taken")
        raise HTTPException(400, "bad item", detail="ids start at 1")

    client = TestClient(app, source=source)
    assert client.get("/items/1").json() == {
        "status": 404, "error": "Not Found", "message": "Item not found"}  # fmt: skip
    assert client.get("/items/2").json()["message"] == "taken"
    assert client.get("/items/3").json() == {
        "status": 400, "error": "Bad Request", "message": "bad item",
        "detail": "ids start at 1"}  # fmt: skip


def test_an_http_exception_needs_a_status() -> None:
    with pytest.raises(ValueError, match="an HTTP status is a number from 100 to 599"):
        HTTPException()
    with pytest.raises(ValueError, match="an HTTP status is a number from 100 to 599"):
        HTTPException(status_code=99)
