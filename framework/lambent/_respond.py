"""Turning outcomes into the response each source expects (LAMBDA.md §4, §5.6)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, final

import msgspec

from lambent._dispatch import Outcomes, Status
from lambent._errors import BatchFailedError, ResponseTooLargeError

#: Lambda's synchronous response limit (bytes)
RESPONSE_LIMIT: Final = 6_291_456


@final
class _DroppedType:
    """Return :data:`Dropped` from a Firehose handler to drop the record."""

    _instance: _DroppedType | None = None

    def __new__(cls) -> _DroppedType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Dropped"

    def __reduce__(self) -> str:
        return "Dropped"


Dropped: Final = _DroppedType()


@dataclass(frozen=True, slots=True)
class Transformed:
    """A Firehose result with dynamic-partitioning keys: ``Transformed(data, {"k": "v"})``."""

    data: Any
    partition_keys: Mapping[str, str] | None = None


def batch_item_failures(outcomes: Outcomes) -> dict[str, list[dict[str, Any]]]:
    """``{"batchItemFailures": [...]}``: every record not finished, in batch order.

    Streams checkpoint at the lowest reported sequence number; reporting every
    unfinished record keeps that checkpoint at or before each of them.
    """
    return {
        "batchItemFailures": [
            {"itemIdentifier": w.item_id if w.wire_id is None else w.wire_id}
            for w in outcomes.failed()
        ]
    }


def raise_if_failed(kind: str, outcomes: Outcomes) -> None:
    """For sources without partial responses: any failure fails the invocation.

    A single-record event re-raises the handler's own exception; batches (and Amazon
    MQ always) raise :class:`BatchFailedError` listing every failed id.
    """
    failed = outcomes.failed()
    if not failed:
        return
    if kind != "mq" and len(outcomes.works) == 1 and isinstance(failed[0].error, Exception):
        raise failed[0].error
    error = BatchFailedError(kind, [w.item_id for w in failed])
    first = next((w.error for w in failed if w.error is not None), None)
    raise error from first


def encode_data(value: Any) -> bytes:
    """A Firehose handler's return value as record bytes (Structs and dicts as JSON lines)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return msgspec.json.encode(value) + b"\n"


def firehose_records(outcomes: Outcomes, original: Sequence[str]) -> dict[str, Any]:
    """Firehose's transformation response: one entry per input record, in order."""
    records: list[dict[str, Any]] = []
    size = 16
    for w, data in zip(outcomes.works, original, strict=True):
        entry: dict[str, Any] = {"recordId": w.item_id}
        if w.status is Status.SUCCEEDED and w.result is Dropped:
            entry["result"] = "Dropped"
            entry["data"] = data
        elif w.status is Status.SUCCEEDED:
            entry["result"] = "Ok"
            value = w.result
            keys: Mapping[str, str] | None = None
            if isinstance(value, Transformed):
                keys = value.partition_keys
                value = value.data
            entry["data"] = data if value is None else base64.b64encode(encode_data(value)).decode()
            if keys:
                entry["metadata"] = {"partitionKeys": dict(keys)}
        elif w.status is Status.DROPPED:
            entry["result"] = "Dropped"
            entry["data"] = data
        else:
            entry["result"] = "ProcessingFailed"
            entry["data"] = data
        size += len(entry["data"]) + len(w.item_id) + 48
        records.append(entry)
    if size > RESPONSE_LIMIT:
        exact = len(msgspec.json.encode({"records": records}))
        if exact > RESPONSE_LIMIT:
            raise ResponseTooLargeError(
                "the Firehose transformation response", exact, RESPONSE_LIMIT
            )
    return {"records": records}
