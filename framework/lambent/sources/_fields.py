"""Reading an event's fields, for the source modules: the helpers they share.

* detection (LAMBDA.md §6): :func:`first_record`, :func:`first_record_source` and
  :func:`one_of`, cheap tests that never raise on a malformed event;
* raw records, for a batch decoded record by record: :func:`record_list` and
  :func:`raw_records` (``SourceSpec.raw_items``), :func:`list_where`,
  :data:`records_where` and :func:`grouped_where` (``SourceSpec.raw_where``: where a raw
  record is in the event, ``$.Records[3]``), and :func:`raw_path` (a ``raw_id``: the id
  of a record that did not decode, so that it fails alone);
* fields a Struct cannot check: :func:`b64_field` (strict base64), whose failure is a
  :class:`FieldError` naming the field, reported as the record's ``DecodeError``;
* timestamps as aware datetimes (:func:`epoch_ms`, :func:`epoch_s`, :func:`iso`), and
  :func:`oldest_ms`, a batch's oldest entry time (metrics' ``RecordAge``).

Source modules import them from :mod:`lambent.sources._base`, beside ``SourceSpec``.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FieldError",
    "b64_field",
    "epoch_ms",
    "epoch_s",
    "first_record",
    "first_record_source",
    "grouped_where",
    "iso",
    "list_where",
    "oldest_ms",
    "one_of",
    "raw_path",
    "raw_records",
    "record_list",
    "records_where",
]


class FieldError(ValueError):
    """A field of a record that its source cannot read (not base64, a malformed DynamoDB
    value, ...); ``path`` names it (``$.kinesis.data``). The dispatcher reports it as the
    record's :class:`lambent.DecodeError`."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.reason = message
        self.path = path


def b64_field(value: str | None, path: str) -> bytes:
    """``value`` base64-decoded; a :class:`FieldError` naming ``path`` when it is not base64
    (strictly: a character outside the alphabet, or data after the padding, is an error,
    never silently dropped)."""
    try:
        return base64.b64decode(value or "", validate=True)
    except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
        raise FieldError(f"not valid base64: {exc}", path) from None


def _finite(value: float) -> float | None:
    """``value``, unless it is NaN or infinite (a ``"NaN"`` timestamp): no age then."""
    return value if math.isfinite(value) else None


def oldest_ms(
    *steps: Callable[[Any], Any], scale: float = 1.0
) -> Callable[[Sequence[Any]], float | None]:
    """``oldest`` for items whose entry time ``steps`` read in turn (``itemgetter`` or
    ``attrgetter``: the scan stays in C), as a number or an epoch-milliseconds digit
    string, times ``scale`` to milliseconds. Digit strings are compared as strings:
    epoch milliseconds have 13 digits from 2001 to 2286, so that order is numeric."""

    def read(items: Sequence[Any]) -> Any:
        values: Any = items
        for step in steps:
            values = map(step, values)
        return values

    def oldest(items: Sequence[Any]) -> float | None:
        try:
            return _finite(float(min(read(items))) * scale)  # every record has it: one pass
        except (LookupError, TypeError, AttributeError, ArithmeticError, ValueError):
            pass
        try:  # some records have none (or a null): the others'
            first = min(filter(None, read(items)), default=None)
            return None if first is None else _finite(float(first) * scale)
        except (LookupError, TypeError, AttributeError, ArithmeticError, ValueError):
            return None  # a record without the field, or with another type: no age

    return oldest


def epoch_ms(value: int | float | str) -> datetime:
    """A timestamp in epoch milliseconds (int, float or digit string) as an aware UTC datetime."""
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def epoch_s(value: int | float | str) -> datetime:
    """A timestamp in epoch seconds (possibly fractional) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(value), tz=UTC)


def iso(value: str) -> datetime:
    """An ISO-8601 timestamp (``Z`` or offset) as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def record_list(event: Mapping[str, Any], key: str = "Records") -> Sequence[Any]:
    """``event[key]`` when it is a list (the raw records of a batch), else empty."""
    records = event.get(key)
    return records if isinstance(records, list) else ()


def raw_records(event: Mapping[str, Any]) -> Sequence[Any]:
    """The raw ``Records`` list of an event (``SourceSpec.raw_items`` for most sources)."""
    return record_list(event, "Records")


def list_where(key: str = "Records") -> Callable[[Mapping[str, Any], int], str]:
    """A ``raw_where`` for raw items that are the list ``event[key]``: ``$.Records[3]``."""
    return lambda event, i: f"$.{key}[{i}]"


#: ``raw_where`` of :func:`raw_records`
records_where = list_where("Records")


def grouped_where(key: str) -> Callable[[Mapping[str, Any], int], str]:
    """A ``raw_where`` for raw items that are the lists of the object ``event[key]``, one
    after the other (the values that are no list skipped): ``$.records["orders-0"][2]``."""

    def where(event: Mapping[str, Any], i: int) -> str:
        groups = event.get(key)
        for name, items in groups.items() if isinstance(groups, Mapping) else ():
            if isinstance(items, list):
                if i < len(items):
                    return f"$.{key}[{json.dumps(str(name), ensure_ascii=False)}][{i}]"
                i -= len(items)
        return f"$.{key}"

    return where


def one_of(value: Any, choices: frozenset[str]) -> bool:
    """Whether ``value`` is one of the strings ``choices``: a detector's membership test that
    never raises (an unhashable value from a malformed event is simply not one)."""
    return type(value) is str and value in choices


def first_record_source(event: Mapping[str, Any], value: str, key: str = "eventSource") -> bool:
    """Whether ``Records[0][key] == value`` (the usual detection rule, LAMBDA.md §6)."""
    first = first_record(event)
    return first is not None and first.get(key) == value


def first_record(event: Mapping[str, Any], key: str = "Records") -> Mapping[str, Any] | None:
    """The first element of ``event[key]`` when it is a non-empty list of objects, else None."""
    records = event.get(key)
    if type(records) is list and records:
        first = records[0]
        if isinstance(first, dict):
            return first
    return None


def raw_path(*parts: str) -> Callable[[Any], str | None]:
    """A ``raw_id``: the non-empty string at ``parts`` inside a raw record, else None."""

    def read(raw: Any) -> str | None:
        value: Any = raw
        for part in parts:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value if isinstance(value, str) and value else None

    return read
