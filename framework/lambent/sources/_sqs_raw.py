"""An SQS batch read straight from the runtime's dicts (the ``raw_records`` fast path): the
:class:`~lambent.sources._base.RawView` of :mod:`lambent.sources.sqs`, for a standard
queue's batch whose every record the lean Structs would decode alike, with the oldest
record's entry time read in the same pass when metrics ask for it."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from lambent.sources._base import RawView, oldest_ms

__all__ = ["RAW"]


def _raw_attribute(record: Any, name: str) -> Any:
    """A raw record's system attribute ``name``, of any type (None when absent), as the
    lean Structs read it."""
    attributes = record.get("attributes")
    return attributes.get(name) if type(attributes) is dict else None


def _raw_trace_header(record: Any) -> str | None:
    header = _raw_attribute(record, "AWSTraceHeader")
    return header if type(header) is str else None


def _raw_records(event: Mapping[str, Any]) -> Sequence[Any] | None:
    """The raw records of a standard queue's batch when each would decode into the lean
    Structs (a string ``messageId`` and ``body``, the queue's ARN, ``attributes`` absent or
    an object whose ``MessageGroupId`` is a string if any); else None.

    One pass of plain subscripts and class checks over the records (``__class__``, not
    ``type()``: no call), the checks a real record passes first: about 90 ns a record."""
    arn = _standard_arn(event)
    if arn is None:
        return None
    records: list[Any] = event["Records"]
    text, obj = str, dict
    none: dict[str, Any] = {}
    try:  # subscripts, not ``get``: a missing key is a KeyError
        for record in records:
            if (
                record.__class__ is not obj
                or record["eventSourceARN"] != arn
                or record["body"].__class__ is not text
                or record["messageId"].__class__ is not text
            ):
                return None
            # absent: the lean Structs' default (none); ``null`` does not decode
            attributes = record.get("attributes", none)
            if attributes.__class__ is not obj or (
                "MessageGroupId" in attributes
                and attributes["MessageGroupId"].__class__ is not text
            ):
                return None
    except KeyError:
        return None
    return records


def _aged_records(event: Mapping[str, Any]) -> tuple[Sequence[Any], float | None] | None:
    """:func:`_raw_records`, and when the oldest record was sent (``_oldest_raw``'s
    answer: the least ``SentTimestamp``; 13-digit strings order as their numbers), read
    in the same pass: the least so far kept as the records go by (a list and a ``min``
    over it afterwards would touch every string twice).

    The pass has the same checks, but reads ``attributes`` by subscript: a record without
    it (or without ``SentTimestamp``), or an entry time that does not compare with the
    others, stops the pass, and the records are then checked as :func:`_raw_records`
    checks them and their age read as ``_oldest_raw`` reads it."""
    arn = _standard_arn(event)
    if arn is None:
        return None
    records: list[Any] = event["Records"]
    text, obj = str, dict
    try:
        least = records[0]["attributes"]["SentTimestamp"]
        for record in records:
            if (
                record.__class__ is not obj
                or record["eventSourceARN"] != arn
                or record["body"].__class__ is not text
                or record["messageId"].__class__ is not text
            ):
                return None
            attributes = record["attributes"]  # ``null`` too: the lean Structs refuse it
            if attributes.__class__ is not obj or (
                "MessageGroupId" in attributes
                and attributes["MessageGroupId"].__class__ is not text
            ):
                return None
            sent = attributes["SentTimestamp"]
            if sent < least:  # as ``min`` compares
                least = sent
    except (KeyError, TypeError):  # checked and read the general way
        checked = _raw_records(event)
        return None if checked is None else (checked, _oldest_raw(checked))
    try:
        age = float(least)
    except (TypeError, ValueError, OverflowError):  # not numbers: as the scan says
        return records, _oldest_raw(records)
    return records, age if math.isfinite(age) else None  # "NaN" is no entry time


def _standard_arn(event: Mapping[str, Any]) -> str | None:
    """The queue's ARN when the event's records are a non-empty list of objects from a
    standard queue (its first record's ARN, which the others must share)."""
    records = event.get("Records")
    if type(records) is not list or not records or type(records[0]) is not dict:
        return None
    arn = records[0].get("eventSourceARN")
    return None if type(arn) is not str or arn.endswith(".fifo") else arn


#: not on the hot path: :func:`_aged_records` reads the usual batch in its own pass
_oldest_raw = oldest_ms(functools.partial(_raw_attribute, name="SentTimestamp"))


RAW = RawView(
    records=_raw_records,
    route_key=operator.itemgetter("eventSourceARN"),
    payload=operator.itemgetter("body"),
    payload_key="body",
    record_id=operator.itemgetter("messageId"),
    oldest=_oldest_raw,
    aged=_aged_records,
    trace_header=_raw_trace_header,
)
