"""Turning outcomes into the response each source expects (LAMBDA.md §4, §5.6)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, final

import msgspec

from lambent._dispatch import Batch, Status
from lambent._errors import BatchFailedError, HandlerError, ResponseTooLargeError, describe

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

#: the type of :data:`Dropped`, for annotations: ``def f(...) -> bytes | DroppedType``
DroppedType = _DroppedType


@dataclass(frozen=True, slots=True)
class Transformed:
    """A Firehose result with dynamic-partitioning keys: ``Transformed(data, {"k": "v"})``."""

    data: Any
    partition_keys: Mapping[str, str] | None = None


def batch_item_failures(
    batch: Batch, wire_id: Callable[[int], Any], kind: str = "batch"
) -> dict[str, list[dict[str, Any]]]:
    """``{"batchItemFailures": [...]}``: every record not finished, in batch order.

    Streams checkpoint at the lowest reported sequence number; reporting every
    unfinished record keeps that checkpoint at or before each of them.

    An empty or null ``itemIdentifier`` makes Lambda fail the whole batch (LAMBDA.md
    §4.3), so a failed record without a usable identifier fails the invocation here,
    loudly, instead of in a response that only looks partial.
    """
    failures: list[dict[str, Any]] = []
    for i in batch.failed():
        identifier = wire_id(i)
        if identifier is None or identifier == "":
            raise BatchFailedError(
                kind, [f"record {i} (no identifier to report it by)"]
            ) from batch.errors.get(i)
        failures.append({"itemIdentifier": identifier})
    return {"batchItemFailures": failures}


def raise_if_failed(
    kind: str,
    batch: Batch,
    record_id: Callable[[int], str],
    label: Callable[[int], str | None] = lambda i: None,
) -> None:
    """For sources without partial responses: any failure fails the invocation.

    A single-record event re-raises the handler's own exception; batches (and Amazon
    MQ always) raise :class:`BatchFailedError` naming every failed record (by its id, and
    its ``label`` when it has one) and why it failed.
    """
    failed = batch.failed()
    if not failed:
        return
    first = next((batch.errors[i] for i in failed if i in batch.errors), None)
    if kind != "mq" and len(batch) == 1 and isinstance(first, Exception):
        raise first
    ids = [record_id(i) for i in failed]
    details: list[str] = []
    for i, rid in zip(failed, ids, strict=True):
        name = label(i)
        error = batch.errors.get(i)
        reason = describe(error) if error is not None else Status(batch.status[i]).name.lower()
        details.append(f"{name} ({rid}): {reason}" if name else f"{rid}: {reason}")
    raise BatchFailedError(kind, ids, details) from first


_PLAIN = frozenset({str, int, float, bool, type(None)})


def json_result(value: Any, handler: str) -> Any:
    """A single event's result as the JSON-ready value the Lambda runtime serialises:
    Structs, dataclasses, datetimes, UUIDs and enums become their JSON forms (``Decimal``
    stays, the runtime writes it as a number). A value JSON cannot hold raises
    :class:`HandlerError` naming the handler, instead of failing later in the runtime."""
    if type(value) in _PLAIN:
        return value
    try:
        return msgspec.to_builtins(value, builtin_types=(Decimal,))
    except (TypeError, ValueError, OverflowError) as exc:
        raise HandlerError(
            handler, f"returned a value that cannot be sent as JSON: {describe(exc)}"
        ) from exc


def encode_data(value: Any) -> bytes:
    """A Firehose handler's return value as record bytes (Structs and dicts as JSON lines)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return msgspec.json.encode(value) + b"\n"


def encode_firehose_results(batch: Batch) -> None:
    """Encode each Firehose handler's result now, before outcomes are logged: a value that
    cannot be encoded fails its own record (``ProcessingFailed``, logged with
    :class:`HandlerError` naming the handler), never the whole response."""
    status, results = batch.status, batch.results
    for i, value in list(results.items()):
        if status[i] != Status.SUCCEEDED or value is Dropped:
            continue
        data = value.data if isinstance(value, Transformed) else value
        if data is None:
            continue
        try:
            encoded = encode_data(data)
        except (TypeError, ValueError, OverflowError) as exc:
            runner = batch.runners[i]
            name = runner.route.plan.name if runner is not None and runner.route else "handler"
            error = HandlerError(name, f"returned a value Firehose cannot encode: {describe(exc)}")
            error.__cause__ = exc
            status[i], batch.errors[i] = Status.FAILED, error
            del results[i]
            continue
        results[i] = Transformed(encoded, value.partition_keys) if data is not value else encoded


def firehose_records(
    batch: Batch, original: Sequence[str], record_id: Callable[[int], str]
) -> dict[str, Any]:
    """Firehose's transformation response: one entry per input record, in order."""
    records: list[dict[str, Any]] = []
    size = 16
    status, results = batch.status, batch.results
    for i, data in enumerate(original):
        rid = record_id(i)
        entry: dict[str, Any] = {"recordId": rid}
        value = results.get(i)
        if status[i] == Status.SUCCEEDED and value is Dropped:
            entry["result"] = "Dropped"
            entry["data"] = data
        elif status[i] == Status.SUCCEEDED:
            entry["result"] = "Ok"
            keys: Mapping[str, str] | None = None
            if isinstance(value, Transformed):
                keys = value.partition_keys
                value = value.data
            entry["data"] = data if value is None else base64.b64encode(encode_data(value)).decode()
            if keys:
                entry["metadata"] = {"partitionKeys": dict(keys)}
        elif status[i] == Status.DROPPED:
            entry["result"] = "Dropped"
            entry["data"] = data
        else:
            entry["result"] = "ProcessingFailed"
            entry["data"] = data
        size += len(entry["data"]) + len(rid) + 48
        records.append(entry)
    if size > RESPONSE_LIMIT:
        exact = len(msgspec.json.encode({"records": records}))
        if exact > RESPONSE_LIMIT:
            raise ResponseTooLargeError(
                "the Firehose transformation response", exact, RESPONSE_LIMIT
            )
    return {"records": records}
