"""Outcomes: the wire response each source expects (LAMBDA.md §4).

The pipeline calls :func:`lambent._outcome_log.log_outcomes` once per batch (each failure
logged once) and :func:`render` once for the response, which the source's ``response`` mode decides:
partial batch responses, Firehose records, the single result, or an error that fails the
invocation. With metrics configured, :func:`write_metrics` writes the dispatcher's
counts from the same statuses; with tracing, :func:`trace_outcomes` gives the records
that never ran their span.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, final

import msgspec

from lambent._decode import as_bytes
from lambent._dispatch import Batch, Status
from lambent._errors import BatchFailedError, HandlerError, ResponseTooLargeError, describe
from lambent._pydantic import model_value
from lambent.sources import EventSource
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent.metrics import Metrics
    from lambent.tracing import InvocationTrace

#: Lambda's synchronous response limit (bytes)
RESPONSE_LIMIT: Final = 6_291_456
#: a batch's :meth:`~lambent._dispatch.Batch.summary`, when counted already
Counts = Mapping[str, int] | None


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
    batch: Batch, wire_id: Callable[[int], Any], kind: str = "batch", counts: Counts = None
) -> dict[str, list[dict[str, Any]]]:
    """``{"batchItemFailures": [...]}``: every record not finished, in batch order.

    Streams checkpoint at the lowest reported sequence number; reporting every
    unfinished record keeps that checkpoint at or before each of them.

    An empty or null ``itemIdentifier`` makes Lambda fail the whole batch (LAMBDA.md
    §4.3), so a failed record without a usable identifier fails the invocation here,
    loudly, instead of in a response that only looks partial.

    ``counts``: the batch's summary, when counted already (then a batch whose every
    record succeeded or was dropped is not scanned for failures).
    """
    failures: list[dict[str, Any]] = []
    if counts is not None and counts["succeeded"] + counts["dropped"] == len(batch):
        return {"batchItemFailures": failures}
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
    *,
    as_batch: bool = False,
) -> None:
    """For sources without partial responses: any failure fails the invocation.

    A single-record event re-raises the handler's own exception; batches (and, with
    ``as_batch``, every event: Amazon MQ) raise :class:`BatchFailedError` naming every
    failed record (by its id, and its ``label`` when it has one) and why it failed.
    """
    failed = batch.failed()
    if not failed:
        return
    first = next((batch.errors[i] for i in failed if i in batch.errors), None)
    if not as_batch and len(batch) == 1 and isinstance(first, Exception):
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
    Structs, dataclasses, pydantic models, datetimes, UUIDs and enums become their JSON
    forms (``Decimal`` stays, the runtime writes it as a number). A value JSON cannot hold raises
    :class:`HandlerError` naming the handler, instead of failing later in the runtime."""
    if type(value) in _PLAIN:
        return value
    try:
        return msgspec.to_builtins(value, builtin_types=(Decimal,), enc_hook=model_value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise HandlerError(
            handler, f"returned a value that cannot be sent as JSON: {describe(exc)}"
        ) from exc


def encode_data(value: Any) -> bytes:
    """A Firehose handler's return value as record bytes (Structs and dicts as JSON lines)."""
    return as_bytes(value, b"\n")


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


class Ids:
    """Identifiers of a batch's items: for logs (``record``) and for Lambda (``wire``)."""

    __slots__ = ("batch", "item_id", "spec")

    def __init__(
        self, spec: EventSource, batch: Batch, item_id: Callable[[Any], str] | None = None
    ) -> None:
        self.spec = spec
        self.batch = batch
        #: how the batch's items name themselves (raw records: the source's raw view)
        self.item_id = spec.item_id if item_id is None else item_id

    def record(self, i: int) -> str:
        known = self.batch.ids.get(i)
        return known if known is not None else self.item_id(self.batch.items[i])

    def label(self, i: int) -> str | None:
        """How messages name the item besides its id (S3: ``s3://bucket/key``), or None."""
        item = self.batch.items[i]
        if self.spec.item_label is None or item is None:
            return None
        return self.spec.item_label(item)

    def wire(self, i: int) -> Any:
        known = self.batch.wire_ids.get(i)
        if known is not None:
            return known
        report_id = self.spec.report_id
        if report_id is not None and self.batch.items[i] is not None:
            return report_id(self.batch.items[i])
        return self.record(i)


def render(
    spec: EventSource, event: Any, ev: Any, batch: Batch, ids: Ids, counts: Counts = None
) -> Any:
    """The function's result for a batch of ``spec``'s items (or the error to raise);
    ``counts``: the batch's summary, when :func:`~lambent._outcome_log.log_outcomes`
    counted it."""
    rules = response_rules(spec)
    if rules.partial:
        response = batch_item_failures(batch, ids.wire, spec.kind, counts)
        if spec.windowed and getattr(ev, "window", None) is not None:
            state = batch.state if batch.state is not None else (getattr(ev, "state", None) or {})
            return {"state": state, **response}
        return response
    if rules.item_results:
        # echoed for records that fail; a record whose data is not even a string gets ""
        raw = spec.raw_items(event) if spec.raw_items is not None else ()
        original = [
            data if isinstance(r, dict) and isinstance(data := r.get("data", ""), str) else ""
            for r in raw
        ]
        return firehose_records(batch, original, ids.record)
    raise_if_failed(spec.kind, batch, ids.record, ids.label, as_batch=spec.batch_failure)
    result = batch.results.get(0) if len(batch) == 1 else None
    if spec.result is not None:
        result = spec.result(result)
    elif not rules.single_result:
        return None
    if result is None:
        return None
    runner = batch.runners[0]
    return json_result(result, runner.route.plan.name if runner and runner.route else spec.kind)


def outcome_counts(batch: Batch, counts: dict[str, int] | None = None) -> tuple[int, int, int, int]:
    """(succeeded, failed, dropped, cut by the deadline): every record in exactly one.

    Failed counts what is reported for retry and was not cut by the deadline: records
    that raised or did not decode, and those skipped after a failure in their group.
    ``counts``: the batch's summary, when already counted."""
    if counts is None:
        counts = batch.summary()
    succeeded, dropped, cut = counts["succeeded"], counts["dropped"], counts["not_started"]
    return succeeded, len(batch) - succeeded - dropped - cut, dropped, cut


def write_metrics(
    metrics: Metrics,
    kind: str,
    batch: Batch,
    *,
    cold: bool,
    started: float,
    oldest: float | None,
    counts: dict[str, int] | None = None,
) -> None:
    """The dispatcher's EMF document for this invocation (see docs/observability.md);
    ``oldest``: when the oldest record entered its source (epoch ms), if known."""
    succeeded, failed, dropped, cut = outcome_counts(batch, counts)
    age = None if oldest is None else time.time() * 1000 - oldest
    metrics.write_invocation(
        source=kind,
        size=len(batch),
        succeeded=succeeded,
        failed=failed,
        dropped=dropped,
        cut_by_deadline=cut,
        duration_ms=(time.monotonic() - started) * 1000,
        cold_start=cold,
        record_age_ms=age,
    )


def trace_outcomes(trace: InvocationTrace, batch: Batch, ids: Ids) -> None:
    """A span, with its outcome, for every record that did not get one by running."""
    traced = trace.traced
    for i, s in enumerate(batch.status):
        if i not in traced:
            trace.not_run(i, ids.record(i), Status(s).name.lower(), batch.errors.get(i))
