from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError
from lambent.sources import dynamodb
from lambent.testing import Change, FakeContext, dynamodb_event
from tests import corpus
from tests.sources import _support


def _record(
    name: str = "INSERT",
    keys: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    **stream: Any,
) -> dict[str, Any]:
    inner: dict[str, Any] = {
        "ApproximateCreationDateTime": 1480642020,
        "Keys": keys if keys is not None else {"pk": {"S": "a"}, "sk": {"N": "1"}},
        "SequenceNumber": "100",
        "SizeBytes": 10,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
        **stream,
    }
    if new is not None:
        inner["NewImage"] = new
    if old is not None:
        inner["OldImage"] = old
    return {
        "eventID": "e1",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024",
        "dynamodb": inner,
    }


@pytest.mark.parametrize("row", _support.owned_rows("dynamodb"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert dynamodb.detect(raw)
    event = msgspec.convert(raw, dynamodb.DynamoDBStreamEvent)
    spec = dynamodb.SPEC
    items = spec.items(event)
    assert len(items) == len(raw["Records"])
    assert event.is_tumbling_window == ("window" in raw)
    for wire, record in zip(raw["Records"], items, strict=True):
        stream = wire["dynamodb"]
        assert spec.item_id(record) == stream["SequenceNumber"]
        assert spec.route_key(event, record) == (wire["eventSourceARN"], wire["eventName"])
        assert record.keys == dynamodb.deserialize(stream["Keys"])
        assert set(record.keys) == set(stream["Keys"])
        assert (record.new_image is None) == ("NewImage" not in stream)
        assert (record.old_image is None) == ("OldImage" not in stream)
        assert spec.order_key is not None
        hash(spec.order_key(record))
        image = stream.get("OldImage" if wire["eventName"] == "REMOVE" else "NewImage")
        assert spec.payload is not None
        assert spec.payload(record) == (
            None if image is None else dynamodb.deserialize(image, numbers="int")
        )
        created = record.created_at
        if "ApproximateCreationDateTime" in stream:
            assert created is not None
            assert 2000 < created.year < 2100
        else:
            assert created is None
        assert msgspec.convert(wire, dynamodb.DynamoDBRecord) == record


@pytest.mark.parametrize("row", _support.decline_rows("dynamodb"))
def test_other_events_are_not_dynamodb(row: corpus.Row | None) -> None:
    _support.assert_declines(dynamodb.detect, row)


@pytest.mark.parametrize("row", _support.window_rows("dynamodb"))
def test_tumbling_window_fields(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert dynamodb.detect(raw)
    event = msgspec.convert(raw, dynamodb.DynamoDBStreamEvent)
    assert event.window is not None
    assert event.window.start_at.isoformat().startswith(raw["window"]["start"][:19])
    assert event.state == raw["state"]
    assert event.shard_id == raw["shardId"]
    assert event.event_source_arn == raw["eventSourceARN"]
    assert event.is_final_invoke_for_window is raw["isFinalInvokeForWindow"]
    assert event.is_window_terminated_early is raw["isWindowTerminatedEarly"]


def test_every_attribute_type() -> None:
    blob = base64.b64encode(b"\x00\x01").decode()
    image: dict[str, Any] = {
        "s": {"S": "x"},
        "n": {"N": "3.14159"},
        "i": {"N": "42"},
        "b": {"B": blob},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "ss": {"SS": ["a", "b"]},
        "empty": {"SS": []},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [blob]},
        "l": {"L": [{"S": "a"}, {"N": "1"}, {"M": {"k": {"BOOL": False}}}]},
        "m": {"M": {"inner": {"L": []}}},
    }
    plain = dynamodb.deserialize(image)
    assert plain == {
        "s": "x",
        "n": Decimal("3.14159"),
        "i": Decimal(42),
        "b": b"\x00\x01",
        "t": True,
        "z": None,
        "ss": {"a", "b"},
        "empty": set(),
        "ns": {Decimal(1), Decimal("2.5")},
        "bs": {b"\x00\x01"},
        "l": ["a", Decimal(1), {"k": False}],
        "m": {"inner": []},
    }
    assert not any(isinstance(v, float) for v in plain.values())
    as_int = dynamodb.deserialize(image, numbers="int")
    assert type(as_int["i"]) is int
    assert as_int["n"] == Decimal("3.14159")
    assert as_int["ns"] == {1, Decimal("2.5")}


def test_38_digit_number_stays_exact() -> None:
    digits = "12345678901234567890123456789012345678"
    fraction = "0.1234567890123456789012345678901234567"
    plain = dynamodb.deserialize({"a": {"N": digits}, "f": {"N": fraction}})
    assert plain["a"] == Decimal(digits)
    assert str(plain["a"]) == digits
    assert str(plain["f"]) == fraction
    assert dynamodb.deserialize({"a": {"N": digits}}, numbers="int")["a"] == int(digits)


def test_unknown_attribute_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown"):
        dynamodb.deserialize_value({"X": 1})
    with pytest.raises(ValueError, match="empty"):
        dynamodb.deserialize_value({})


def test_payload_converts_into_user_types() -> None:
    class Order(msgspec.Struct):
        pk: str
        sk: int
        price: Decimal
        tags: list[str]

    record = msgspec.convert(
        _record(
            new={
                "pk": {"S": "a"},
                "sk": {"N": "1"},
                "price": {"N": "9.99"},
                "tags": {"SS": ["x"]},
            }
        ),
        dynamodb.DynamoDBRecord,
    )
    assert dynamodb.SPEC.payload is not None
    order = msgspec.convert(dynamodb.SPEC.payload(record), Order)
    assert order == Order(pk="a", sk=1, price=Decimal("9.99"), tags=["x"])


def test_remove_payload_is_the_old_image() -> None:
    old = {"pk": {"S": "a"}, "v": {"N": "2"}}
    record = msgspec.convert(_record("REMOVE", old=old), dynamodb.DynamoDBRecord)
    assert dynamodb.SPEC.payload is not None
    assert dynamodb.SPEC.payload(record) == {"pk": "a", "v": 2}
    assert record.new_image is None
    assert record.old_image == {"pk": "a", "v": Decimal(2)}
    keys_only = msgspec.convert(_record("MODIFY"), dynamodb.DynamoDBRecord)
    assert dynamodb.SPEC.payload(keys_only) is None


def test_order_key_is_canonical_keys() -> None:
    a = msgspec.convert(_record(keys={"pk": {"S": "a"}, "sk": {"N": "1"}}), dynamodb.DynamoDBRecord)
    b = msgspec.convert(_record(keys={"sk": {"N": "1"}, "pk": {"S": "a"}}), dynamodb.DynamoDBRecord)
    c = msgspec.convert(_record(keys={"pk": {"S": "b"}, "sk": {"N": "1"}}), dynamodb.DynamoDBRecord)
    key = dynamodb.canonical_keys
    assert key(a) == key(b) != key(c)
    assert key(a) == (("pk", "S", "a"), ("sk", "N", "1"))


def test_creation_time_in_seconds_or_milliseconds() -> None:
    seconds = msgspec.convert(_record(), dynamodb.DynamoDBRecord).created_at
    millis = msgspec.convert(
        _record(ApproximateCreationDateTime=1480642020000), dynamodb.DynamoDBRecord
    ).created_at
    fractional = msgspec.convert(
        _record(ApproximateCreationDateTime=1635734407.1234567), dynamodb.DynamoDBRecord
    ).created_at
    assert seconds == millis
    assert seconds is not None
    assert seconds.year == 2016
    assert fractional is not None
    assert abs(fractional.microsecond - 123457) <= 1


def test_table_name_and_ttl_identity() -> None:
    wire = _record("REMOVE")
    wire["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    record = msgspec.convert(wire, dynamodb.DynamoDBRecord)
    assert record.table_name == "Orders"
    assert record.user_identity is not None
    assert record.user_identity.type == "Service"


def test_record_without_sequence_number_fails_with_a_path() -> None:
    bad = _record()
    del bad["dynamodb"]["SequenceNumber"]
    with pytest.raises(
        msgspec.ValidationError, match=r"SequenceNumber.*\$\.Records\[0\]\.dynamodb"
    ):
        msgspec.convert({"Records": [bad]}, dynamodb.DynamoDBStreamEvent)


def test_spec_shape() -> None:
    spec = dynamodb.SPEC
    assert (spec,) == dynamodb.SPECS
    assert (spec.kind, spec.response, spec.payload_format) == ("dynamodb-stream", "batch", "python")


@pytest.mark.parametrize(
    "number",
    ["1e126", "1e-131", "1e99999999", "-1e99999999", "1" * 39, "NaN", "Infinity", "12abc", ""],
)
def test_numbers_outside_dynamodbs_limits_are_rejected_at_once(number: str) -> None:
    with pytest.raises(ValueError, match=r"number|DynamoDB") as info:
        dynamodb.deserialize({"a": {"N": number}}, numbers="int", path="$.NewImage")
    assert getattr(info.value, "path", None) == "$.NewImage.a.N"


@pytest.mark.parametrize(
    "number", ["9.9999999999999999999999999999999999999E+125", "1E-130", "-1E+125", "0", "1" * 38]
)
def test_numbers_at_dynamodbs_limits_are_kept(number: str) -> None:
    assert dynamodb.deserialize({"a": {"N": number}})["a"] == Decimal(number)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"M": "x"}, "$.a.M"),
        ({"L": [{"S": 1}]}, "$.a.L[0].S"),
        ({"B": "abc"}, "$.a.B"),
        ({"NS": ["1", "x"]}, "$.a.NS[1]"),
        ({"S": "x", "N": "1"}, "$.a"),
        ("x", "$.a"),
    ],
)
def test_malformed_attribute_values_name_their_path(value: Any, path: str) -> None:
    with pytest.raises(ValueError) as info:
        dynamodb.deserialize({"a": value})
    assert getattr(info.value, "path", None) == path


@pytest.mark.parametrize("choice", ["fail", "drop"])
@pytest.mark.parametrize("bad", [{"N": "1e99999999"}, {"M": "x"}, {"B": "abc"}, {"N": "abc"}])
def test_a_malformed_image_is_that_records_decode_error(bad: dict[str, Any], choice: Any) -> None:
    app = App()
    seen: list[Any] = []

    @app.dynamodb(on_decode_error=choice)
    def handle(item: dict[str, Any]) -> None:
        seen.append(item["id"])

    event = dynamodb_event(Change.insert({"id": 1}), Change.insert({"id": 2}))
    event["Records"][0]["dynamodb"]["NewImage"]["id"] = bad
    seq = event["Records"][0]["dynamodb"]["SequenceNumber"]
    out, failed, summary = _support.run_logged(app, event)
    assert seen == [2]
    if choice == "drop":
        assert out == {"batchItemFailures": []} and summary["dropped"] == 1
    else:
        assert out == {"batchItemFailures": [{"itemIdentifier": seq}]}
        assert failed[seq]["path"].startswith("$.dynamodb.NewImage.id")


class Row(msgspec.Struct):
    id: int


def test_an_image_parameter_that_cannot_be_none_fails_at_registration() -> None:
    app = App()

    def on_change(old: Row, new: Row | None) -> None: ...

    def removed(old: Row, new: Row) -> None: ...

    with pytest.raises(ConfigurationError, match=r"parameter 'old': INSERT records have no old"):
        app.dynamodb("t")(on_change)
    with pytest.raises(ConfigurationError, match=r"parameter 'new': REMOVE records have no new"):
        app.dynamodb("t", events=["REMOVE"])(removed)
    # routes whose records always carry the image may declare it plainly
    app.dynamodb("t", events=["MODIFY", "REMOVE"])(on_change)
    app.dynamodb("t2", events=["MODIFY"])(removed)
    seen: list[Any] = []

    @app.dynamodb("u")
    def optional(old: Row | None, new: Row | None) -> None:
        seen.append((old, new))

    app.handler(dynamodb_event(Change.insert({"id": 1}), table="u"), FakeContext())
    assert seen == [(None, Row(id=1))]


class Stocked(msgspec.Struct):
    id: str
    stock: int = 0


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_an_image_the_streams_view_type_leaves_out_says_what_to_declare(general: bool) -> None:
    """A NEW_IMAGE stream's REMOVE records carry no old image, so a table-wide route's
    payload is None for them: the record fails saying so and what to declare (it said
    msgspec's "Expected `object`, got `null`"); ``T | None`` takes it as None."""
    import contextlib

    from structlog.testing import capture_logs

    from lambent._fast import general_path

    app = App()
    seen: list[Stocked | None] = []

    @app.dynamodb("orders")
    def on_change(item: Stocked) -> None:
        seen.append(item)

    event = dynamodb_event(
        Change.insert({"id": "a"}), Change.remove({"id": "b"}), view="NEW_IMAGE", seed=2
    )
    removed = event["Records"][1]["dynamodb"]["SequenceNumber"]
    with general_path() if general else contextlib.nullcontext(), capture_logs() as logs:
        assert app.handler(event, FakeContext()) == {
            "batchItemFailures": [{"itemIdentifier": removed}]
        }
    assert seen == [Stocked("a")]
    [failed] = [entry for entry in logs if entry["event"] == "record failed"]
    assert failed["error"] == (
        f"DecodeError: record '{removed}': the record holds no value here (None): "
        "declare `Stocked | None` to take it as None (at $)"
    )

    optional = App()

    @optional.dynamodb("orders")
    def on_optional(item: Stocked | None) -> None:
        seen.append(item)

    seen.clear()
    assert optional.handler(event, FakeContext()) == {"batchItemFailures": []}
    assert seen == [Stocked("a"), None]


@pytest.mark.parametrize("annotation", [str, int, list[Any], str | None])
@pytest.mark.parametrize("name", ["item", "old"])
def test_a_type_an_image_never_decodes_into_is_refused_at_registration(
    annotation: Any, name: str
) -> None:
    """An image is a map of fields: a ``str`` (or ``int``, ``list``...) payload or image
    parameter registered and then failed every record ("Expected `str`, got
    `object`"); it is refused naming the handler and the parameter."""

    def on_item(item: Any) -> None: ...

    def on_old(old: Any) -> None: ...

    handler = on_item if name == "item" else on_old
    handler.__annotations__ = {name: annotation}
    app = App()
    with pytest.raises(
        ConfigurationError, match=rf"{handler.__name__}, parameter '{name}': .*never decodes into"
    ):
        app.dynamodb("orders", events=["MODIFY"])(handler)
    app.dynamodb("orders", events=["MODIFY"])(on_item if name == "old" else on_old)
