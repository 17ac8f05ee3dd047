"""Decoding an event into its Structs: the whole event at once, or record by record.

A batch decodes in one ``msgspec.convert``. When that fails, the envelope and each
record are decoded on their own, so that a record that does not decode fails alone,
reported by the identifier read from its raw form. A record without a readable
identifier cannot be reported: then the event fails as a whole, and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from lambent._decode import CONVERT_ERRORS, as_decode_error
from lambent._dispatch import Batch
from lambent._errors import DecodeError, EventDecodeError
from lambent.sources import EventSource
from lambent.sources._base import FieldError


def _event_error(spec: EventSource, exc: Exception, prefix: str = "$") -> EventDecodeError:
    err = as_decode_error(exc, None)
    return EventDecodeError(
        f"not a valid {spec.kind} event: {err.reason}", path=prefix + err.path[1:]
    )


def event_items(spec: EventSource, ev: Any) -> Sequence[Any]:
    """The items of ``spec``'s event Struct ``ev`` (decoded from the invocation's bytes); a
    field of the envelope the source cannot read (CloudWatch Logs' compressed ``data``)
    fails the event as :func:`decode_event` fails it."""
    try:
        return spec.items(ev)
    except FieldError as exc:
        raise _event_error(spec, exc) from exc


def decode_event(spec: EventSource, event: Any, *, lean: bool = False) -> tuple[Any, Batch]:
    """The event Struct and a batch of its items; undecodable records fail alone.

    ``lean``: decode the spec's lean Structs (the handlers need none of the rest).
    """
    event_type, item_type = spec.lean if lean and spec.lean else (spec.event_type, spec.item_type)
    try:
        ev = msgspec.convert(event, event_type)
        return ev, Batch(list(spec.items(ev)))
    except FieldError as exc:  # a field of the envelope the source cannot read
        raise _event_error(spec, exc) from exc
    except CONVERT_ERRORS as exc:
        if spec.raw_items is None:
            raise _event_error(spec, exc) from exc
        whole = exc
    raw_items = spec.raw_items(event)
    if isinstance(event, list):  # an ``array`` source's event: its elements are the items
        return _decode_items(spec, event, None, item_type, raw_items)
    shell = {
        k: (
            []
            if isinstance(v, list)
            else {}
            if isinstance(v, Mapping) and all(isinstance(x, list) for x in v.values())
            else v
        )
        for k, v in event.items()
    }
    try:
        ev = msgspec.convert(shell, event_type)
    except CONVERT_ERRORS as exc:
        raise _event_error(spec, exc) from whole
    return _decode_items(spec, event, ev, item_type, raw_items)


def _decode_items(
    spec: EventSource, event: Any, ev: Any, item_type: Any, raw_items: Sequence[Any]
) -> tuple[Any, Batch]:
    """The items decoded one by one; those that do not decode fail alone (``None`` in the
    batch). ``event`` is the raw event, ``ev`` the envelope, ``None`` for an array event
    (whose decoded form is then the list of its items). An item that is the event itself
    (a single-object event read as its one item) and cannot be reported fails the event
    as :func:`decode_event` fails it, naming the event's field (``$.StackId``), not a
    record."""
    items: list[Any] = []
    failures: list[tuple[int, str, Any, DecodeError]] = []
    for i, raw in enumerate(raw_items):
        try:
            items.append(msgspec.convert(raw, item_type))
        except CONVERT_ERRORS as exc:
            record_id = spec.raw_id(raw) if spec.raw_id is not None else None
            if record_id is None:
                if raw is event:
                    raise _event_error(spec, exc) from exc
                err = as_decode_error(exc, None)
                raise EventDecodeError(
                    f"record {i} of this {spec.kind} event does not decode and has no identifier "
                    f"to report it by: {err.reason}",
                    path=(spec.raw_where(event, i) if spec.raw_where else f"$[{i}]") + err.path[1:],
                ) from exc
            items.append(None)
            wire = spec.raw_report_id(raw) if spec.raw_report_id is not None else None
            failures.append((i, record_id, wire, as_decode_error(exc, record_id)))
    batch = Batch(items)
    if ev is None:
        ev = items
    for i, record_id, wire, error in failures:
        batch.fail(i, error)
        batch.ids[i] = record_id
        if wire is not None:
            batch.wire_ids[i] = wire
    return ev, batch
