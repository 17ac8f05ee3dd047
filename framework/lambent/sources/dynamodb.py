"""Amazon DynamoDB Streams delivered by an event source mapping.

LAMBDA.md §5.4: ``{"Records": [{"eventName": "INSERT"|"MODIFY"|"REMOVE",
"eventSourceARN", "dynamodb": {Keys, NewImage, OldImage, SequenceNumber, ...}}]}``.
Images are DynamoDB AttributeValue maps; :func:`deserialize` turns them into plain
Python:

========  =====================================================================
``S``     ``str``
``N``     ``Decimal`` (exact, up to 38 digits; never ``float``); with
          ``numbers="int"`` an integral value becomes ``int``
``B``     ``bytes`` (base64-decoded)
``BOOL``  ``bool``
``NULL``  ``None``
``SS``    ``set[str]``; ``NS`` ``set`` of numbers; ``BS`` ``set[bytes]`` (sets, as
          DynamoDB defines them: unordered, no duplicates; ``msgspec.convert``
          accepts a set for a ``list``/``tuple``/``set``/``frozenset`` field)
``L``     ``list``, ``M`` ``dict`` (recursive)
========  =====================================================================

The handler payload is the new image (the old image for ``REMOVE``) deserialized with
``numbers="int"``, because ``msgspec.convert`` refuses a ``Decimal`` for an ``int``
field but accepts an ``int`` for a ``Decimal`` or ``float`` one.

Failed records are reported by ``dynamodb.SequenceNumber``; records of one item (equal
``Keys``) run in order. ``ApproximateCreationDateTime`` is epoch seconds; a value
above 10^11 is read as milliseconds (seen in the .NET test events).
Tumbling-window invocations add ``window``/``state``/``shardId``/... at the top level.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, cast

import msgspec

from lambent._errors import ConfigurationError
from lambent.sources._base import (
    FieldError,
    Pollable,
    SourceSpec,
    b64_field,
    epoch_ms,
    epoch_s,
    first_record_source,
    oldest_ms,
    raw_path,
    raw_records,
    records_where,
)
from lambent.sources._match import Filter, checked_resource, same_resource, shown
from lambent.sources._windows import WindowedStreamEvent

#: a DynamoDB AttributeValue as it appears on the wire, e.g. ``{"N": "101"}``
AttributeValue = dict[str, Any]
NumberMode = Literal["decimal", "int"]


#: DynamoDB's number limits: 38 significant digits, magnitudes 1E-130 .. 9.99...E+125
MAX_DIGITS = 38
MIN_EXPONENT, MAX_EXPONENT = -130, 125


def _number(text: Any, numbers: NumberMode, path: str) -> Decimal | int:
    """A DynamoDB number, checked against DynamoDB's own limits before anything costly
    (``int()`` of ``1e99999999`` would build a hundred-million-digit integer)."""
    if not isinstance(text, str):
        raise FieldError(f"a DynamoDB number is a string, not {type(text).__name__}", path)
    try:
        value = Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation
        raise FieldError(f"not a number: {text[:40]!r}", path) from None
    if not value.is_finite():
        raise FieldError(f"DynamoDB numbers are finite, not {text[:40]!r}", path)
    if value:
        digits = "".join(map(str, value.as_tuple().digits)).rstrip("0")
        if len(digits) > MAX_DIGITS or not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
            raise FieldError(
                f"{text[:40]!r} is outside DynamoDB's number range "
                f"({MAX_DIGITS} significant digits, exponent {MIN_EXPONENT}..{MAX_EXPONENT})",
                path,
            )
    if numbers == "int" and value == value.to_integral_value():
        return int(value)
    return value


def _of(inner: Any, kind: type[Any], tag: str, path: str) -> Any:
    if not isinstance(inner, kind):
        raise FieldError(
            f"a DynamoDB {tag!r} value is a {kind.__name__}, not {type(inner).__name__}", path
        )
    return inner


def deserialize_value(
    value: Mapping[str, Any], *, numbers: NumberMode = "decimal", path: str = "$"
) -> Any:
    """One AttributeValue (``{"S": "x"}``, ``{"N": "1"}``, ...) as plain Python.

    A malformed value raises :class:`~lambent.sources._base.FieldError` (a ``ValueError``)
    whose ``path`` names it."""
    if not isinstance(value, Mapping) or len(value) != 1:
        shown = "empty" if isinstance(value, Mapping) and not value else "malformed"
        raise FieldError(f"{shown} DynamoDB attribute value (one type tag expected)", path)
    ((tag, inner),) = value.items()
    at = f"{path}.{tag}"
    if tag == "S":
        return _of(inner, str, tag, at)
    if tag == "N":
        return _number(inner, numbers, at)
    if tag == "BOOL":
        return _of(inner, bool, tag, at)
    if tag == "NULL":
        return None
    if tag == "M":
        return deserialize(_of(inner, Mapping, tag, at), numbers=numbers, path=at)
    if tag == "L":
        items = _of(inner, list, tag, at)
        return [
            deserialize_value(v, numbers=numbers, path=f"{at}[{i}]") for i, v in enumerate(items)
        ]
    if tag == "B":
        return b64_field(_of(inner, str, tag, at), at)
    if tag == "SS":
        return {_of(v, str, tag, f"{at}[{i}]") for i, v in enumerate(_of(inner, list, tag, at))}
    if tag == "NS":
        return {_number(v, numbers, f"{at}[{i}]") for i, v in enumerate(_of(inner, list, tag, at))}
    if tag == "BS":
        return {
            b64_field(_of(v, str, tag, f"{at}[{i}]"), f"{at}[{i}]")
            for i, v in enumerate(_of(inner, list, tag, at))
        }
    raise FieldError(f"unknown DynamoDB attribute type {tag!r}", path)


def deserialize(
    attribute_map: Mapping[str, Mapping[str, Any]],
    *,
    numbers: NumberMode = "decimal",
    path: str = "$",
) -> dict[str, Any]:
    """A map of name -> AttributeValue (an image, ``Keys``) as a plain ``dict``."""
    return {
        name: deserialize_value(v, numbers=numbers, path=f"{path}.{name}")
        for name, v in attribute_map.items()
    }


class DynamoDBIdentity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """Present for TTL deletions: ``type == "Service"``, ``dynamodb.amazonaws.com``."""

    type: str | None = None
    principal_id: str | None = None


class StreamRecord(msgspec.Struct, rename="pascal", frozen=True, gc=False):
    """The ``dynamodb`` object of a record (images kept in wire form)."""

    sequence_number: str
    keys: dict[str, AttributeValue] = {}
    new_image: dict[str, AttributeValue] | None = None
    old_image: dict[str, AttributeValue] | None = None
    approximate_creation_date_time: float | None = None
    size_bytes: int | None = None
    stream_view_type: str | None = None

    @property
    def created_at(self) -> datetime | None:
        """``ApproximateCreationDateTime`` as a UTC datetime (seconds; ms when > 10^11)."""
        value = self.approximate_creation_date_time
        if value is None:
            return None
        return epoch_ms(value) if value > 1e11 else epoch_s(value)


class DynamoDBRecord(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One stream record: the item a handler receives."""

    event_name: str
    dynamodb: StreamRecord
    event_id: str | None = msgspec.field(default=None, name="eventID")
    event_version: str | None = None
    event_source: str = "aws:dynamodb"
    aws_region: str | None = None
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    user_identity: DynamoDBIdentity | None = None

    @property
    def sequence_number(self) -> str:
        return self.dynamodb.sequence_number

    @property
    def keys(self) -> dict[str, Any]:
        """``Keys`` as plain Python (numbers as ``Decimal``)."""
        return deserialize(self.dynamodb.keys)

    @property
    def new_image(self) -> dict[str, Any] | None:
        """``NewImage`` as plain Python, or None (REMOVE, KEYS_ONLY/OLD_IMAGE views)."""
        image = self.dynamodb.new_image
        return None if image is None else deserialize(image)

    @property
    def old_image(self) -> dict[str, Any] | None:
        """``OldImage`` as plain Python, or None (INSERT, KEYS_ONLY/NEW_IMAGE views)."""
        image = self.dynamodb.old_image
        return None if image is None else deserialize(image)

    @property
    def table_name(self) -> str:
        """The table name from ``arn:...:table/<name>/stream/<label>`` ("" if not an ARN)."""
        _, sep, rest = self.event_source_arn.partition(":table/")
        return rest.partition("/")[0] if sep else ""

    @property
    def created_at(self) -> datetime | None:
        return self.dynamodb.created_at


class DynamoDBStreamEvent(WindowedStreamEvent, rename="camel", frozen=True, gc=False):
    """The whole invocation event, with the optional tumbling-window fields."""

    records: tuple[DynamoDBRecord, ...] = msgspec.field(default=(), name="Records")


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].eventSource == "aws:dynamodb"`` (LAMBDA.md §6 row 5)."""
    return first_record_source(event, "aws:dynamodb")


def canonical_keys(record: DynamoDBRecord) -> Hashable:
    """A hashable form of ``Keys``: sorted ``(name, type, wire value)`` triples."""
    out: list[tuple[str, str, str]] = []
    for name, value in record.dynamodb.keys.items():
        for tag, inner in value.items():
            out.append((name, tag, str(inner)))
    return tuple(sorted(out))


def _items(event: DynamoDBStreamEvent) -> Sequence[DynamoDBRecord]:
    return event.records


def _item_id(record: DynamoDBRecord) -> str:
    return record.dynamodb.sequence_number


def _route_key(event: DynamoDBStreamEvent, record: DynamoDBRecord) -> Hashable:
    return (record.event_source_arn, record.event_name)


def _payload(record: DynamoDBRecord) -> dict[str, Any] | None:
    """The new image (the old image for REMOVE), integral numbers as ``int``."""
    if record.event_name == "REMOVE":
        return old_image_payload(record)
    return new_image_payload(record)


#: the image parameters a handler may declare, and the event whose records lack that
#: image (an INSERT has no old image, a REMOVE no new one)
IMAGE_ABSENT_ON = {"old": "INSERT", "old_image": "INSERT", "new": "REMOVE", "new_image": "REMOVE"}


def old_image_payload(record: DynamoDBRecord) -> dict[str, Any] | None:
    """``OldImage`` for handlers (integral numbers as ``int``), or None."""
    image = record.dynamodb.old_image
    return None if image is None else deserialize(image, numbers="int", path="$.dynamodb.OldImage")


def new_image_payload(record: DynamoDBRecord) -> dict[str, Any] | None:
    """``NewImage`` for handlers (integral numbers as ``int``), or None."""
    image = record.dynamodb.new_image
    return None if image is None else deserialize(image, numbers="int", path="$.dynamodb.NewImage")


def _check_images(where: str, plan: Any, filters: Mapping[str, Any]) -> None:
    """Images (payload, ``old``, ``new``) are maps: a type never decoded from one is
    refused; an image a route's records lack (INSERT: old, REMOVE: new) must accept None."""
    from lambent.sources._answer import object_payload  # registration only: import cost

    object_payload("an item image (NewImage, OldImage)", named=IMAGE_ABSENT_ON)(
        where, plan, filters
    )
    events = filters.get("events")
    for param in plan.params:
        absent = IMAGE_ABSENT_ON.get(param.name)
        if param.getter is None or absent is None or param.decoder is None:
            continue
        if events is not None and absent not in events:
            continue
        try:
            param.decoder(None)
        except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError):
            others = sorted(EVENTS - {absent})
            shown_type = getattr(param.annotation, "__name__", None) or repr(param.annotation)
            raise ConfigurationError(
                f"{where}: {plan.name}, parameter {param.name!r}: {absent} records have no "
                f"{'old' if absent == 'INSERT' else 'new'} image, so it must accept None: "
                f"annotate it {shown_type} | None, or take only events={others}"
            ) from None


#: the stream's event names, for ``@app.dynamodb(events=...)``
EVENTS = frozenset({"INSERT", "MODIFY", "REMOVE"})


def route_filter(table: str | None = None, events: Iterable[str] | None = None) -> Filter:
    """``@app.dynamodb(table, events=...)``: the table (name or stream ARN) and some of
    INSERT, MODIFY, REMOVE."""
    chosen: frozenset[str] | None = None
    if events is not None:
        chosen = frozenset([events] if isinstance(events, str) else events)
        unknown = chosen - EVENTS
        if unknown or not chosen:
            raise ConfigurationError(
                f"unknown DynamoDB stream events {sorted(unknown)}; use INSERT, MODIFY and/or REMOVE"
            )
    table_matches = checked_resource("table", table)

    def matches(key: Hashable) -> bool:
        arn, event_name = cast("tuple[str, str]", key)
        return table_matches(arn) and (chosen is None or event_name in chosen)

    return Filter(
        shown(table=table, events=None if chosen is None else tuple(sorted(chosen))), matches
    )


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if len(a) != len(b):
        return False
    ea, eb = a.get("events"), b.get("events")
    both = ea is None or eb is None or bool(set(ea) & set(eb))
    return both and same_resource(a.get("table"), b.get("table"))


SPEC: SourceSpec[DynamoDBStreamEvent, DynamoDBRecord] = SourceSpec(
    requires="Records",
    kind="dynamodb-stream",
    detect=detect,
    event_type=DynamoDBStreamEvent,
    item_type=DynamoDBRecord,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    item_id=_item_id,
    oldest=oldest_ms(operator.attrgetter("dynamodb.approximate_creation_date_time"), scale=1000.0),
    route_key=_route_key,
    payload=_payload,
    payload_format="python",
    order_key=canonical_keys,
    response="batch",
    raw_id=raw_path("dynamodb", "SequenceNumber"),
    redelivery="from_lowest",
    route_filter=route_filter,
    overlaps=_overlaps,
    named={
        "old": old_image_payload,
        "old_image": old_image_payload,
        "new": new_image_payload,
        "new_image": new_image_payload,
    },
    windowed=True,
    check_route=_check_images,
    poll=Pollable(
        service="dynamodb",
        resource=r"^table/(?P<name>[^/]+)/stream/.+$",
        decorator="app.dynamodb",
        reader="DynamoDBReader",
        route_keys=lambda arn: [(arn, name) for name in ("INSERT", "MODIFY", "REMOVE")],
        positions=("TRIM_HORIZON", "LATEST"),
    ),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "EVENTS",
    "IMAGE_ABSENT_ON",
    "SPEC",
    "SPECS",
    "AttributeValue",
    "DynamoDBIdentity",
    "DynamoDBRecord",
    "DynamoDBStreamEvent",
    "StreamRecord",
    "canonical_keys",
    "deserialize",
    "deserialize_value",
    "detect",
    "new_image_payload",
    "old_image_payload",
    "route_filter",
]
