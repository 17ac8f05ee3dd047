"""What every event factory shares (lambent.testing.events._common): ids reproducible
from a seed in AWS's formats, the clocks' text forms, and payload encodings."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.testing import authorizer_event, cloudfront_event, http_request, websocket_event
from lambent.testing.events._common import (
    Ids,
    b64,
    clf,
    epoch_ms,
    increasing,
    iso_ms,
    iso_s,
    per_item,
    raw,
    text,
    timestamp,
)


@given(st.integers(0, 2**32))
def test_ids_from_one_seed_are_the_same_and_in_their_formats(seed: int) -> None:
    one, two = Ids(seed), Ids(seed)
    drawn = [one.uuid(), one.hex(8, upper=True), one.digits(12), one.token(6), one.lower(5)]
    assert drawn == [two.uuid(), two.hex(8, upper=True), two.digits(12), two.token(6), two.lower(5)]
    assert uuid.UUID(drawn[0]).version == 4
    assert re.fullmatch(r"[0-9A-F]{8}", drawn[1]) and re.fullmatch(r"[1-9]\d{11}", drawn[2])
    assert len(base64.b64decode(drawn[3])) == 6 and re.fullmatch(r"[a-z0-9]{5}", drawn[4])


@given(st.integers(0, 2**32), st.integers(1, 30), st.integers(1, 5))
def test_sequence_numbers_increase_with_their_length(seed: int, count: int, step: int) -> None:
    numbers = increasing(Ids(seed), 21, count, step=step)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    assert len(set(numbers)) == count and all(len(n) == 21 for n in numbers)


def test_clocks_in_each_services_text_form() -> None:
    moment = datetime(2024, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)
    seconds = moment.timestamp()
    assert timestamp(moment) == timestamp(seconds) == seconds and epoch_ms(seconds) == 1706702400123
    assert iso_ms(seconds) == "2024-01-31T12:00:00.123Z"
    assert iso_s(seconds) == "2024-01-31T12:00:00Z"
    assert clf(seconds) == "31/Jan/2024:12:00:00 +0000"
    assert abs(timestamp(None) - datetime.now(UTC).timestamp()) < 5


class Order(msgspec.Struct):
    id: int


def test_payloads_as_text_bytes_and_base64() -> None:
    assert text("as is") == "as is" and text(b"\xc3\xa9") == "é" and text(Order(1)) == '{"id":1}'
    assert raw(b"\x00") == b"\x00" and raw("é") == "é".encode() and raw({"a": [1]}) == b'{"a":[1]}'
    assert base64.b64decode(b64({"a": 1})) == b'{"a":1}'


def test_per_item_options_are_one_for_all_or_cycled() -> None:
    assert [per_item(None, i, "d") for i in range(2)] == ["d", "d"]
    assert [per_item("x", i, "d") for i in range(2)] == ["x", "x"]
    assert [per_item(["a", "b"], i, "d") for i in range(3)] == ["a", "b", "a"]
    assert per_item([], 0, "d") == "d"


def test_a_time_is_epoch_seconds_or_a_datetime() -> None:
    assert timestamp(1_700_000_000) == 1_700_000_000.0
    assert timestamp(datetime(2024, 1, 1, tzinfo=UTC)) == 1_704_067_200.0
    for wrong in ("yesterday", "2024-01-01", True):
        with pytest.raises(ValueError, match=r"at= is epoch seconds or a datetime, not "):
            timestamp(wrong)  # type: ignore[arg-type]  # wrong on purpose


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: websocket_event("$connect"), "a WebSocket event is one of 'connect', "),  # type: ignore[arg-type]
        (lambda: http_request("GET", "/", source="apigw"), "an HTTP request's source is one of "),  # type: ignore[arg-type]
        (lambda: authorizer_event("FOO"), "an authorizer event's kind is one of 'token', "),  # type: ignore[arg-type]
        (lambda: cloudfront_event("viewer-foo"), "a Lambda@Edge event type is one of "),  # type: ignore[arg-type]
        (lambda: cloudfront_event(origin="ftp"), "an origin is one of 's3', 'custom', not 'ftp'"),  # type: ignore[arg-type]
    ],
)
def test_an_option_outside_its_choices_is_a_value_error_naming_them(
    make: Callable[[], object], says: str
) -> None:
    """Not a KeyError, nor an event of another shape built silently."""
    with pytest.raises(ValueError, match=re.escape(says)):
        make()
