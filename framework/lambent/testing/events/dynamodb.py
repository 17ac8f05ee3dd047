"""DynamoDB Streams events from Python values.

>>> from lambent.testing import Change, dynamodb_event
>>> event = dynamodb_event(
...     Change.insert({"id": "a1", "total": 5}),
...     Change.modify({"id": "a1", "total": 5}, {"id": "a1", "total": 7}),
...     Change.remove({"id": "a1", "total": 7}),
...     table="orders",
... )
>>> [r["eventName"] for r in event["Records"]]
['INSERT', 'MODIFY', 'REMOVE']
>>> event["Records"][0]["dynamodb"]["NewImage"]["total"]
{'N': '5'}
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    arn,
    increasing,
    text,
    timestamp,
)

StreamViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
EventName = Literal["INSERT", "MODIFY", "REMOVE"]


def attribute_value(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB AttributeValue.

    int/float/Decimal → ``N`` (a string), str → ``S``, bytes → ``B`` (base64),
    bool → ``BOOL``, None → ``NULL``, list/tuple → ``L``, mapping → ``M``, non-empty
    sets of str/numbers/bytes → ``SS``/``NS``/``BS``.
    """
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": base64.b64encode(value).decode()}
    if isinstance(value, Mapping):
        return {"M": image(value)}
    if isinstance(value, Set):
        return _set(value)
    if isinstance(value, Sequence):
        return {"L": [attribute_value(v) for v in value]}
    raise TypeError(f"no DynamoDB attribute type for {type(value).__name__}")


def image(item: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """An item (a mapping of attribute names to Python values) as a stream image."""
    return {str(k): attribute_value(v) for k, v in item.items()}


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _set(values: Set[Any]) -> dict[str, list[str]]:
    if not values:
        raise ValueError("DynamoDB sets cannot be empty")
    items = sorted(values, key=repr)
    if all(isinstance(v, str) for v in items):
        return {"SS": items}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in items):
        return {"NS": [_number(v) for v in items]}
    if all(isinstance(v, bytes | bytearray) for v in items):
        return {"BS": [base64.b64encode(v).decode() for v in items]}
    raise TypeError("a DynamoDB set holds only strings, only numbers or only bytes")


@dataclass(frozen=True, slots=True)
class Change:
    """One item change: its key attributes and its images before and after."""

    keys: Mapping[str, Any]
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None
    #: a REMOVE done by Time to Live (the record then names the DynamoDB service)
    ttl: bool = False

    @property
    def event_name(self) -> EventName:
        if self.old is None:
            return "INSERT"
        return "REMOVE" if self.new is None else "MODIFY"

    @classmethod
    def insert(cls, new: Mapping[str, Any], *, key: str | Sequence[str] = "id") -> Change:
        return cls(_keys(new, key), None, new)

    @classmethod
    def modify(
        cls, old: Mapping[str, Any], new: Mapping[str, Any], *, key: str | Sequence[str] = "id"
    ) -> Change:
        return cls(_keys(new, key), old, new)

    @classmethod
    def remove(
        cls, old: Mapping[str, Any], *, key: str | Sequence[str] = "id", ttl: bool = False
    ) -> Change:
        return cls(_keys(old, key), old, None, ttl)


def _keys(item: Mapping[str, Any], key: str | Sequence[str]) -> dict[str, Any]:
    names = (key,) if isinstance(key, str) else tuple(key)
    missing = [n for n in names if n not in item]
    if missing:
        raise KeyError(f"the item has no key attribute {missing[0]!r}; pass key=")
    return {n: item[n] for n in names}


def dynamodb_event(
    *changes: Change,
    table: str = "orders",
    view: StreamViewType = "NEW_AND_OLD_IMAGES",
    stream_label: str = "2024-01-01T00:00:00.000",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A DynamoDB Streams batch, one record per change, images as the ``view`` keeps them."""
    ids = Ids(seed)
    stream_arn = arn("dynamodb", region, account, f"table/{table}/stream/{stream_label}")
    created = int(timestamp(at))
    batch = list(changes) or [Change.insert({"id": "1", "message": "hello"})]
    numbers = increasing(ids, 21, len(batch), step=100)
    records = []
    for i, change in enumerate(batch):
        stream: dict[str, Any] = {
            "ApproximateCreationDateTime": created,
            "Keys": image(change.keys),
        }
        if change.new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            stream["NewImage"] = image(change.new)
        if change.old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            stream["OldImage"] = image(change.old)
        size = len(text(stream["Keys"])) + len(text(change.new or {})) + len(text(change.old or {}))
        stream |= {"SequenceNumber": numbers[i], "SizeBytes": size, "StreamViewType": view}
        record: dict[str, Any] = {
            "eventID": ids.hex(32),
            "eventName": change.event_name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
        }
        if change.ttl:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        record |= {"dynamodb": stream, "eventSourceARN": stream_arn}
        records.append(record)
    return {"Records": records}
