"""Helpers of the sources that build their own answer: a failed item's error and a
handler's result made safe to send, whatever the handler raised or returned."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, TypedDict

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App, ConfigurationError, HandlerError
from lambent.sources._answer import handler_name, json_text, json_value, own_error


def test_handler_names_show_the_routes_filters() -> None:
    assert handler_name("cognito", {"trigger": "PreSignUp_SignUp"}) == (
        "cognito route (trigger='PreSignUp_SignUp')"
    )
    assert handler_name("appsync", {"type": "Query", "field": "get"}) == (
        "appsync route (type='Query', field='get')"
    )
    assert handler_name("bedrock-agent", {}) == "bedrock-agent route"


def test_a_handlers_exception_is_passed_on_as_it_is() -> None:
    error = ValueError("no such user")
    assert own_error(error, "cognito route") is error


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), SystemExit(3), GeneratorExit()])
def test_a_base_exception_becomes_a_handler_error_naming_the_handler(raised: BaseException) -> None:
    error = own_error(raised, "cognito route (trigger='X')")
    assert isinstance(error, HandlerError) and error.__cause__ is raised
    assert error.handler == "cognito route (trigger='X')"
    assert str(error).startswith(f"cognito route (trigger='X'): raised {type(raised).__name__}")


class Claims(msgspec.Struct):
    sub: str
    groups: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_results_become_json_ready_builtins() -> None:
    assert json_value(Claims("u1", ["admin"]), "h") == {"sub": "u1", "groups": ["admin"]}
    assert json_value(Point(1, 2), "h") == {"x": 1, "y": 2}
    assert msgspec.json.encode(json_value((1, "a", None), "h")) == b'[1,"a",null]'
    assert json_value(None, "h") is None


@pytest.mark.parametrize("value", [object(), {"x": [object()]}, {1j: "complex key"}])
def test_a_result_that_cannot_be_sent_is_a_handler_error_naming_the_handler(value: Any) -> None:
    with pytest.raises(
        HandlerError, match=r"^appsync route: returned a value that cannot be sent as JSON: "
    ):
        json_value(value, "appsync route")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("nan"), "Out of range float"),
        ({"ratio": [float("-inf")]}, "Out of range float"),
        ({"text": "caf\udce9"}, "surrogates not allowed"),
        ({"\ud800": 1}, "surrogates not allowed"),
    ],
)
def test_a_result_no_json_text_holds_is_a_handler_error(value: Any, problem: str) -> None:
    """msgspec sends NaN as null and the standard library as a NaN token no JSON reader
    takes; no UTF-8 text holds a lone surrogate (the runtime's encoding of the whole
    response would fail)."""
    with pytest.raises(HandlerError, match=r"^h: returned a value that cannot be sent") as raised:
        json_value(value, "h")
    assert problem in str(raised.value)


def test_json_text_keeps_text_and_encodes_the_rest() -> None:
    assert json_text("sunny, 21°C", "h") == "sunny, 21°C"
    assert json_text(Claims("u1"), "h") == '{"sub":"u1","groups":[]}'
    assert json_text(None, "h") == "null"
    with pytest.raises(HandlerError, match=r"^h: returned text that cannot be sent: "):
        json_text("\ud800", "h")
    with pytest.raises(HandlerError, match="Out of range float"):
        json_text([float("inf")], "h")


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(JSON)
def test_plain_json_values_come_back_unchanged(value: Any) -> None:
    assert json_value(value, "h") == value


class Pair(msgspec.Struct, array_like=True):
    a: int
    b: int


class Props(TypedDict):
    name: str


def _register(app: App, source: str) -> Any:
    if source == "cognito":
        return app.cognito("PreSignUp")
    if source == "appsync":
        return app.appsync("Query", "getPost")
    if source == "bedrock-agent":
        return app.bedrock_agent(function="weather")
    return app.custom_resource("Custom::Thing")


SOURCES = ["cognito", "appsync", "bedrock-agent", "cloudformation"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("annotation", [str, bytes, int, list[str], Pair, str | None])
def test_a_payload_type_no_object_decodes_into_is_refused_at_registration(
    source: str, annotation: Any
) -> None:
    """These payloads are always JSON objects: such a route registered and then failed
    every event with a DecodeError."""

    def handler(payload: Any) -> None: ...

    handler.__annotations__ = {"payload": annotation, "return": None}
    with pytest.raises(ConfigurationError, match="a JSON object, which never decodes into"):
        _register(App(), source)(handler)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    "annotation", [dict[str, Any], Any, Claims, Point, Props, Claims | None, Annotated[Claims, 1]]
)
def test_payload_types_an_object_decodes_into_are_accepted(source: str, annotation: Any) -> None:
    def handler(payload: Any) -> None: ...

    handler.__annotations__ = {"payload": annotation, "return": None}
    app = App()
    _register(app, source)(handler)
    assert [route.kind for route in app.routes] == [source]
