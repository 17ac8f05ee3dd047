"""Payload decoders, built once per route: every type lambent decodes, from JSON text and
from Python values; errors naming the record and the field's ``$.path``; types it cannot
decode refused at registration; pydantic models validated by pydantic itself."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from typing import Annotated, Any, Literal, Optional, TypedDict

import msgspec
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, ConfigurationError, DecodeError
from lambent._decode import (
    DECODE_ERRORS,
    as_decode_error,
    build_decoder,
    decode_absent,
    reads_absent,
)
from lambent.sources._base import FieldError
from lambent.testing import FakeContext, TestClient, sqs_event


class Order(msgspec.Struct):
    id: str
    qty: int
    tags: list[str] = []


@dataclasses.dataclass
class Line:
    sku: str
    qty: int


class Move(TypedDict):
    to: str
    n: int


WHERE = "orders.handle, parameter 'order'"


@pytest.mark.parametrize(
    ("tp", "text", "value"),
    [
        (Order, b'{"id": "o-1", "qty": 2}', Order("o-1", 2)),
        (Line, b'{"sku": "pen", "qty": 1}', Line("pen", 1)),
        (Move, b'{"to": "b", "n": 3}', {"to": "b", "n": 3}),
        (dict[str, int], b'{"a": 1}', {"a": 1}),
        (list[Order], b'[{"id": "o", "qty": 1}]', [Order("o", 1)]),
        (int | None, b"null", None),
        (Any, b'{"x": [1, 2.5]}', {"x": [1, 2.5]}),
    ],
)
def test_json_payloads_decode_into_the_declared_type(tp: Any, text: bytes, value: Any) -> None:
    assert build_decoder(tp, "json", WHERE)(text) == value
    assert build_decoder(tp, "json", WHERE)(text.decode()) == value


def test_python_payloads_convert_leniently() -> None:
    # values a service delivered as Python (already parsed) are converted, not re-parsed;
    # "python" payloads accept numbers written as text (str -> int), as their sources do
    decode = build_decoder(Order, "python", WHERE)
    assert decode({"id": "o-1", "qty": "2"}) == Order("o-1", 2)
    assert build_decoder(str, "python", WHERE)("plain") == "plain"
    with pytest.raises(msgspec.ValidationError):
        build_decoder(str, "python", WHERE)(12)


def test_text_and_bytes_take_the_payload_as_it_is() -> None:
    text, raw = build_decoder(str, "json", WHERE), build_decoder(bytes, "json", WHERE)
    assert text('{"not": "parsed"}') == '{"not": "parsed"}'
    assert text(b"caf\xc3\xa9") == "café"
    assert raw("café") == b"caf\xc3\xa9"
    assert raw(bytearray(b"\x00\x01")) == b"\x00\x01"
    assert raw({"a": 1}) == b'{"a":1}'  # a payload already parsed is written back as JSON
    with pytest.raises(TypeError, match="expected text, got int"):
        text(5)


def test_raw_text_and_bytes_take_an_absent_payload_themselves() -> None:
    raw: list[Any] = [str, bytes, str | None, bytes | None, Optional[bytes]]  # noqa: UP045
    for tp in raw:
        assert reads_absent(build_decoder(tp, "json", WHERE)), tp
    json: list[Any] = [dict, int | None, Order, Order | None]
    for tp in json:
        assert not reads_absent(build_decoder(tp, "json", WHERE)), tp
    assert build_decoder(Optional[str], "json", WHERE)(None) is None  # noqa: UP045
    assert build_decoder(bytes | None, "json", WHERE)(b"null") == b"null"
    with pytest.raises(TypeError, match=r"no payload .* declare `bytes \| None`"):
        build_decoder(bytes, "json", WHERE)(None)


@pytest.mark.parametrize(
    ("tp", "shown"),
    [
        (dict, "dict"),
        (Order, "Order"),
        (int, "int"),
        (list[int], "list[int]"),
        (datetime.date, "date"),
    ],
)
def test_an_absent_payload_a_type_refuses_says_so_not_got_null(tp: Any, shown: str) -> None:
    """A typed payload that cannot be None refuses an absent one (a Kafka tombstone) as a
    raw ``str`` does: no payload, declare ``T | None``; never msgspec's "got `null`", a
    text the record did not hold."""
    decoder = build_decoder(tp, "json", WHERE)
    with pytest.raises(TypeError) as raised:
        decode_absent(decoder)
    assert str(raised.value) == (
        "the record has no payload (a Kafka tombstone has no value): "
        f"declare `{shown} | None` to take it as None"
    )
    assert decode_absent(build_decoder(tp | None, "json", WHERE)) is None


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 1


TEXTUAL: list[tuple[Any, Any]] = [
    (uuid.UUID, uuid.UUID("12345678-1234-5678-1234-567812345678")),
    (datetime.datetime, datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)),
    (datetime.date, datetime.date(2024, 5, 1)),
    (datetime.time, datetime.time(12, 30)),
    (datetime.timedelta, datetime.timedelta(days=1, seconds=5)),
    (Colour, Colour.RED),
    (Literal["red", "blue"], "blue"),
    (Annotated[str, msgspec.Meta(pattern="^o-[0-9]+$")], "o-17"),
    # with a Meta that only documents it, or `| None` (the T | None a Kafka compacted
    # topic asks for): read from the text too (they were read as JSON, failing `2024-05-01`)
    (Annotated[datetime.date, msgspec.Meta(description="the day")], datetime.date(2024, 5, 1)),
    (datetime.date | None, datetime.date(2024, 5, 1)),
    (Optional[Colour], Colour.RED),  # noqa: UP045 (typing's spelling, as users write it)
]


@pytest.mark.parametrize(("tp", "value"), TEXTUAL)
def test_a_value_written_as_text_is_read_from_the_text_or_the_json_string_holding_it(
    tp: Any, value: Any
) -> None:
    # an SQS body "2024-05-01" is the date, as "hello" is the str; '"2024-05-01"' (what a
    # JSON encoder writes) is the date too
    decode = build_decoder(tp, "json", WHERE)
    text = msgspec.json.encode(value).decode()[1:-1]
    assert decode(text) == decode(text.encode()) == decode(f'"{text}"') == value
    for bad in ("not one", '"not one"', ""):
        with pytest.raises(msgspec.ValidationError):
            decode(bad)
    with pytest.raises(msgspec.DecodeError):
        decode('"unterminated')


@pytest.mark.parametrize(
    ("tp", "text", "value"),
    [
        (int, "1", 1),
        (Level, "1", Level.HIGH),
        (Literal[1, 2], "2", 2),
        (uuid.UUID | int, "1", 1),  # a union is JSON: text could be either member
    ],
)
def test_other_types_are_read_from_json_only(tp: Any, text: str, value: Any) -> None:
    decode = build_decoder(tp, "json", WHERE)
    assert decode(text) == value
    with pytest.raises(msgspec.DecodeError):
        decode("unquoted text")


def test_an_optional_textual_type_is_none_for_json_null_or_an_absent_payload() -> None:
    decode = build_decoder(uuid.UUID | None, "json", WHERE)
    assert decode("null") is None and decode_absent(decode) is None
    described = build_decoder(Annotated[str, msgspec.Meta(description="a SKU")], "json", WHERE)
    assert described("A-1") == "A-1"  # the text as it came, as for `str`
    assert (
        build_decoder(Annotated[str, msgspec.Meta(min_length=1)] | None, "json", WHERE)("null")
        == "null"
    )  # a string type keeps the text null, as `str | None` does


def test_a_textual_payload_through_the_app_fails_alone_naming_the_record() -> None:
    app = App()
    seen: list[datetime.date] = []

    @app.sqs("days")
    def on_day(day: datetime.date) -> None:
        seen.append(day)

    event = sqs_event("2024-05-01", '"2024-05-02"', "tomorrow", queue="days", seed=3)
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    bad = event["Records"][2]["messageId"]
    assert out == {"batchItemFailures": [{"itemIdentifier": bad}]}
    assert seen == [datetime.date(2024, 5, 1), datetime.date(2024, 5, 2)]
    [failed] = [e for e in logs if e["event"] == "record failed"]
    assert failed["record_id"] == bad and failed["path"] == "$"


class Plain:
    def __init__(self, n: int) -> None:
        self.n = n


@pytest.mark.parametrize("tp", [Plain, list[Plain], dict[str, Plain] | None])
def test_a_type_msgspec_cannot_decode_into_is_refused_naming_where(tp: Any) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{WHERE}: cannot decode .* not Plain$"):
        build_decoder(tp, "json", WHERE)


def test_a_type_msgspec_does_not_know_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=rf"^{WHERE}: cannot decode a payload into"):
        build_decoder(type(lambda: None), "json", WHERE)


def test_errors_name_the_record_and_the_path() -> None:
    with pytest.raises(msgspec.ValidationError) as info:
        build_decoder(Order, "json", WHERE)(b'{"id": "o", "qty": "x"}')
    error = as_decode_error(info.value, "m-1")
    assert (error.record_id, error.path) == ("m-1", "$.qty")
    assert error.reason == "Expected `int`, got `str`"
    assert str(error) == "record 'm-1': Expected `int`, got `str` (at $.qty)"
    whole = as_decode_error(msgspec.DecodeError("JSON is malformed"), None)
    assert (whole.record_id, whole.path, str(whole)) == (
        None,
        "$",
        "event: JSON is malformed (at $)",
    )
    field = as_decode_error(FieldError("not base64", "$.data"), "r-9")
    assert (field.path, field.reason) == ("$.data", "not base64")


@given(
    st.builds(
        Order,
        id=st.text(),
        qty=st.integers(min_value=-(2**63), max_value=2**63 - 1),
        tags=st.lists(st.text(), max_size=3),
    )
)
def test_what_is_encoded_decodes_back_from_text_and_from_python(order: Order) -> None:
    try:
        text = msgspec.json.encode(order)
    except UnicodeEncodeError:  # a lone surrogate: no JSON text carries it
        return
    assert build_decoder(Order, "json", WHERE)(text) == order
    assert build_decoder(Order, "python", WHERE)(msgspec.to_builtins(order)) == order


@given(st.one_of(st.binary(max_size=40), st.text(max_size=40)))
def test_a_bad_payload_raises_only_errors_that_become_decode_errors(payload: Any) -> None:
    decode = build_decoder(Order, "json", WHERE)
    try:
        decode(payload)
    except DECODE_ERRORS as exc:
        error = as_decode_error(exc, "m-1")
        assert isinstance(error, DecodeError) and error.path.startswith("$")
        assert " - at `" not in error.reason


class Item(pydantic.BaseModel):
    name: str
    qty: int = pydantic.Field(gt=0)


def test_an_absent_payload_a_pydantic_model_refuses_says_so() -> None:
    with pytest.raises(TypeError, match=r"^the record has no payload .* declare `Item \| None`"):
        decode_absent(build_decoder(Item, "json", WHERE))


def test_pydantic_models_are_validated_by_pydantic() -> None:
    decode = build_decoder(list[Item], "json", WHERE)
    assert decode(b'[{"name": "pen", "qty": 1}]') == [Item(name="pen", qty=1)]
    with pytest.raises(FieldError) as info:
        decode(b'[{"name": "pen", "qty": 0}, {"qty": "x"}]')
    assert info.value.path == "$[0].qty"
    assert "greater than 0" in info.value.reason and "(and 2 more)" in info.value.reason
    python = build_decoder(Item, "python", WHERE)
    assert python({"name": "ink", "qty": 2}) == Item(name="ink", qty=2)


def test_pydantic_models_through_the_app() -> None:
    app = App()
    seen: list[Item] = []

    @app.sqs("orders")
    def take(item: Item) -> None:
        seen.append(item)

    @app.post("/items")
    def create(item: Item) -> dict[str, Any]:
        return item.model_dump()

    @app.invoke()
    def direct(items: list[Item]) -> int:
        return sum(i.qty for i in items)

    event = sqs_event({"name": "pen", "qty": 2}, {"name": "ink", "qty": 0}, queue="orders")
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert seen == [Item(name="pen", qty=2)]
    assert out == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    [failed] = [e for e in logs if e["event"] == "record failed"]
    assert failed["path"] == "$.qty" and "greater than 0" in failed["error"]

    client = TestClient(app)
    assert client.post("/items", json={"name": "pen", "qty": 1}).json() == {"name": "pen", "qty": 1}
    bad = client.post("/items", json={"name": "pen", "qty": "x"})
    assert bad.status == 422 and bad.json()["path"] == "$.qty"

    assert app.handler([{"name": "a", "qty": 2}, {"name": "b", "qty": 3}], FakeContext()) == 5
    with pytest.raises(DecodeError, match=r"\$\[1\]\.qty"):
        app.handler([{"name": "a", "qty": 2}, {"name": "b"}], FakeContext())


#: pieces of msgspec-like messages, some of them the path's
_PARTS = ["Expected `int`, got `str`", " - at `", "$", ".qty", "[0]", "`", "\n", " - at `$.a`", "é"]


@settings(max_examples=300)
@given(text=st.lists(st.sampled_from(_PARTS), max_size=8).map("".join))
def test_a_decode_errors_path_is_read_as_the_pattern_reads_it(text: str) -> None:
    """The path msgspec puts at the end of its message (`` - at `$...` ``) is split off
    exactly as the pattern ``_PATH`` would split it, for any message."""
    import re

    error = as_decode_error(msgspec.ValidationError(text), "r-1")
    found = re.search(r" - at `(\$[^`]*)`$", text)
    expected = (text[: found.start()], found.group(1)) if found else (text, "$")
    assert (error.reason, error.path) == expected
