"""A batch's outcomes in the logs (LAMBDA.md §5.6): each failed record once, with its id
and error, a traceback with the first failure of each distinct exception site; then the
``batch processed`` summary.

The pipeline calls :func:`log_outcomes` once per batch, before the response is rendered
(:mod:`lambent._outcomes`). The values of the failure lines are gathered in one loop
(:func:`failure_values`); when lambent's Lambda logger would write them, they are joined
straight into JSON lines, all in one pass (:meth:`lambent._lines.Lines.own_all`), and
written together with the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambent._dispatch import _NONE_ELSE, Batch, Status
from lambent._errors import DecodeError, RoutingError, describe
from lambent._lines import event_level
from lambent._logging import LazyLogger, Logger, emit

if TYPE_CHECKING:
    from lambent._outcomes import Ids

_SUCCEEDED, _FAILED, _CANCELLED = int(Status.SUCCEEDED), int(Status.FAILED), int(Status.CANCELLED)
_DROPPED = int(Status.DROPPED)

#: the JSON of the events and levels of :func:`log_outcomes`'s lines, made once
_RECORD_FAILED = event_level("record failed", "error")
_RECORD_DROPPED = event_level("record dropped", "warning")
_PROCESSED_INFO, _PROCESSED_DEBUG = (event_level("batch processed", m) for m in ("info", "debug"))


def log_outcomes(log: Logger, batch: Batch, ids: Ids) -> dict[str, int] | None:
    """Each failure once (:func:`failure_values`), then the ``batch processed`` summary:
    at INFO when any record did not succeed, at DEBUG when every one did (not even
    gathered when nothing would write it). Written straight as JSON, all together, when
    lambent's Lambda logger would write them (:class:`lambent._lines.Lines`, each line
    joined from its values' JSON and pieces encoded once: :meth:`~lambent._lines.Lines.own`
    and :meth:`~lambent._lines.Lines.own_all`); else one by one through structlog.

    Returns the batch's :meth:`~lambent._dispatch.Batch.summary` when it counted it (the
    metrics and the response take it rather than count the statuses again), else None."""
    status = batch.status
    errors = batch.errors
    lazy = log if type(log) is LazyLogger else None
    if not errors and lazy is not None:
        n = len(status)
        if status.count(_SUCCEEDED) == n and lazy.drops("debug"):
            return {"succeeded": n, "failed": 0, **_NONE_ELSE}
    lines = lazy.lines() if lazy is not None else None
    if errors:
        dropped: list[dict[str, Any]] = []
        failed = failure_values(batch, ids, dropped)
        if lines is not None:
            lines.own_all("error", "record failed", _RECORD_FAILED, failed)
            lines.own_all("warning", "record dropped", _RECORD_DROPPED, dropped)
        else:
            for values in failed:
                emit(log.error, "record failed", **values)
            for values in dropped:
                emit(log.warning, "record dropped", **values)
    counts = batch.summary()
    # at INFO when a record did not succeed (the counts say what became of the rest, and
    # of records no line names: skipped, cut by the deadline, dropped); else at DEBUG
    summary = {"size": len(batch), "duration_ms": round(batch.duration * 1000, 3), **counts}
    done = counts["succeeded"] == len(batch)
    method, joined = ("debug", _PROCESSED_DEBUG) if done else ("info", _PROCESSED_INFO)
    if lines is not None:
        lines.own(method, "batch processed", joined, summary)
        lines.write()
    else:
        emit(getattr(log, method), "batch processed", **summary)
    return counts


def failure_values(batch: Batch, ids: Ids, dropped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The values of the ``record failed`` line of each failed (or cancelled) record, in
    batch order: its ``record_id`` and ``error``; a decode error's ``path``; the item's
    label (``item``), when its source names items so; then ``exc_info`` (the error, whose
    traceback goes with the line) for the first failure of each distinct exception site,
    ``traceback_as`` (the record that has it) for the later ones. Routing and decode
    errors are lambent's own: they have no traceback.

    ``dropped`` gets the values of the ``record dropped`` line of each record its route
    dropped (``on_decode_error="drop"``): its id, error, ``path`` and label."""
    status, errors = batch.status, batch.errors
    known, items, item_id = batch.ids, batch.items, ids.item_id  # as Ids.record reads them
    label: Callable[[int], str | None] | None = (
        ids.label if ids.spec.item_label is not None else None
    )
    traced: dict[tuple[type[BaseException], str, int], str] = {}
    failed: list[dict[str, Any]] = []
    for i in sorted(errors) if len(errors) > 1 else errors:
        outcome = status[i]
        if outcome != _FAILED and outcome != _CANCELLED and outcome != _DROPPED:
            continue
        err = errors[i]
        record_id = known.get(i)
        if record_id is None:
            record_id = item_id(items[i])
        values: dict[str, Any] = {"record_id": record_id, "error": describe(err)}
        if isinstance(err, DecodeError):
            values["path"] = err.path
            with_site = False
        else:
            with_site = not isinstance(err, RoutingError)
        if label is not None and (item := label(i)) is not None:
            values["item"] = item
        if outcome == _DROPPED:
            dropped.append(values)
            continue
        if with_site:
            site = _site(err)
            first = traced.get(site)
            if first is None:
                traced[site] = record_id
                values["exc_info"] = err
            else:
                values["traceback_as"] = first
        failed.append(values)
    return failed


def _site(err: BaseException) -> tuple[type[BaseException], str, int]:
    """Where an exception was raised: its type and innermost frame."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return type(err), "", 0
    return type(err), tb.tb_frame.f_code.co_filename, tb.tb_lineno
