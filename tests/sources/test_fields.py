"""Reading an event's fields (:mod:`lambent.sources._fields`): base64 fields, timestamps,
detection helpers and raw-record readers."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta, timezone
from operator import itemgetter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.sources._fields import (
    FieldError,
    b64_field,
    epoch_ms,
    epoch_s,
    first_record,
    first_record_source,
    iso,
    oldest_ms,
    one_of,
    raw_path,
    raw_records,
    record_list,
)


@given(st.binary(max_size=64))
def test_base64_fields_decode_what_was_encoded(data: bytes) -> None:
    assert b64_field(base64.b64encode(data).decode(), "$.data") == data


def _strict(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


@given(st.text(max_size=24) | st.text(alphabet="AP8=+/ *!\n", max_size=12))
def test_text_that_is_not_base64_is_a_field_error_naming_the_field(text: str) -> None:
    """Nothing is decoded leniently: characters outside the alphabet, or data after the
    padding, are an error rather than silently dropped."""
    strict = _strict(text)
    if strict is not None:
        assert b64_field(text, "$.kinesis.data") == strict
        return
    with pytest.raises(FieldError) as info:
        b64_field(text, "$.kinesis.data")
    assert info.value.path == "$.kinesis.data" and "not valid base64" in info.value.reason


@pytest.mark.parametrize("text", ["AP8=garbage", "!!AP8=", "AP8=AP8="])
def test_base64_with_extra_characters_is_not_accepted(text: str) -> None:
    with pytest.raises(FieldError):
        b64_field(text, "$.value")


def test_an_absent_base64_field_is_empty() -> None:
    assert b64_field(None, "$.data") == b"" and b64_field("", "$.data") == b""


@given(st.integers(min_value=0, max_value=4_102_444_800_000))  # to 2100: exact to the microsecond
def test_epoch_milliseconds_as_numbers_or_digit_strings(ms: int) -> None:
    expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    assert epoch_ms(ms) == epoch_ms(str(ms)) == expected
    assert epoch_ms(ms).tzinfo is UTC


def test_epoch_seconds_keep_their_fraction() -> None:
    assert epoch_s(1_700_000_000.25) == datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=UTC)
    assert epoch_s("1700000000") == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T15:00:00Z", datetime(2026, 12, 1, 15, tzinfo=UTC)),
        ("2026-12-01T15:00:00.123Z", datetime(2026, 12, 1, 15, 0, 0, 123000, tzinfo=UTC)),
        (
            "2026-12-01T17:00:00+02:00",
            datetime(2026, 12, 1, 17, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2026-12-01T15:00:00", datetime(2026, 12, 1, 15, tzinfo=UTC)),  # naive: UTC
    ],
)
def test_iso_timestamps_are_aware(text: str, expected: datetime) -> None:
    assert iso(text) == expected and iso(text).utcoffset() is not None


def test_the_oldest_item_by_entry_time() -> None:
    items = [{"t": "1700000000500"}, {"t": "1700000000100"}, {"t": None}]
    assert oldest_ms(itemgetter("t"))(items) == 1_700_000_000_100.0
    seconds = oldest_ms(itemgetter("t"), scale=1000.0)
    assert seconds([{"t": 2.5}, {"t": 1.5}]) == 1500.0
    assert oldest_ms(itemgetter("t"))([]) is None
    # a record without the field, or a mix of types: no age rather than an error
    assert oldest_ms(itemgetter("t"))([{"t": 1}, {}]) is None
    assert oldest_ms(itemgetter("t"))([{"t": 1}, {"t": "2"}]) is None


@pytest.mark.parametrize("stamp", ["NaN", "inf", "-Infinity", float("nan")])
def test_an_entry_time_that_is_no_number_gives_no_age(stamp: object) -> None:
    """float() reads these: the age was NaN (a RecordAge metric no reader takes)."""
    assert oldest_ms(itemgetter("t"))([{"t": stamp}]) is None
    assert oldest_ms(itemgetter("t"))([{"t": stamp}, {"t": None}]) is None


@given(st.lists(st.integers(min_value=10**12, max_value=10**13 - 1), min_size=1, max_size=6))
def test_digit_strings_of_epoch_milliseconds_order_as_numbers(times: list[int]) -> None:
    assert oldest_ms(itemgetter("t"))([{"t": str(t)} for t in times]) == float(min(times))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from(["Records", "records", "x"]), JSON, max_size=3))
def test_detection_helpers_never_raise_on_any_json(event: dict[str, Any]) -> None:
    records = record_list(event, "records")
    assert records == (event["records"] if isinstance(event.get("records"), list) else ())
    assert raw_records(event) == record_list(event, "Records")
    first = first_record(event)
    assert first is None or first is event["Records"][0]
    assert first_record_source(event, "aws:sqs") is (
        first is not None and first.get("eventSource") == "aws:sqs"
    )
    assert raw_path("Records")(event) == (
        event.get("Records") if isinstance(event.get("Records"), str) and event["Records"] else None
    )


def test_one_of_is_a_membership_test_that_never_raises() -> None:
    choices = frozenset({"aws:sqs", "aws:sns"})
    assert one_of("aws:sqs", choices) and not one_of("aws:s3", choices)
    assert not one_of(["aws:sqs"], choices) and not one_of({"a": 1}, choices)


def test_raw_path_reads_a_non_empty_string_or_nothing() -> None:
    read = raw_path("kinesis", "sequenceNumber")
    assert read({"kinesis": {"sequenceNumber": "49"}}) == "49"
    for raw in [
        {},
        {"kinesis": "x"},
        {"kinesis": {"sequenceNumber": ""}},
        {"kinesis": {"sequenceNumber": 49}},
        5,
    ]:
        assert read(raw) is None
