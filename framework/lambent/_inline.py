"""Plain handlers run inline: one after another in batch order, as a loop would
(``lambent._fast``: ``inline_runs``), each record started only before the deadline (a
plain call cannot be interrupted, so the check between records is the only one).

:func:`run_plain` runs the items of a :class:`lambent._dispatch.Batch` whose runners are
all plain; a batch of one route in no order group runs in one loop with a payload-only
handler's call fused into it (``single_route_runs``), and raw records whose payload is a
checked string (``RawView.payload_key``) read it with a subscript.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from typing import Any

from lambent._decode import DECODE_ERRORS, as_decode_error, decode_absent
from lambent._dispatch import (
    _DROPPED,
    _FAILED,
    _OK,
    _PENDING,
    _SKIPPED,
    _STARTED,
    _SUCCEEDED,
    Batch,
    Runner,
    _cut,
    failure,
    unawaited,
)
from lambent._fast import FAST


def run_plain(
    batch: Batch,
    budget: float | None,
    chosen: Sequence[int] | None = None,
    strict_order: bool = False,
    used: set[Runner | None] | None = None,
) -> None:
    """:func:`lambent._dispatch.run_batch` for items whose handlers are all plain (no
    whole-batch route among them): inline, in batch order, each started only before the
    deadline (a plain call cannot be interrupted). ``chosen``: the items to run (default:
    all); ``used``: the batch's runners, if known."""
    started = time.monotonic()
    batch.started = started
    stop_at = math.inf if budget is None else started + max(budget, 0.0)
    if chosen is None:
        chosen = range(len(batch))
    run_plain_until(batch, stop_at, chosen, strict_order, used)
    _cut(batch, chosen)
    batch.duration = time.monotonic() - started


def run_plain_until(
    batch: Batch,
    stop_at: float,
    chosen: Sequence[int],
    strict_order: bool,
    used: set[Runner | None] | None,
) -> None:
    """Run the ``chosen`` items of plain handlers, none started at or after ``stop_at``
    (on the monotonic clock): one plain route in no order group in the single-route
    loop, else one item after another."""
    if used is None:
        used = set(batch.runners)
    only = used.pop() if len(used) == 1 else None
    if only is not None and batch.keys is None and not strict_order and FAST.single_route_runs:
        _run_single(batch, only, chosen, stop_at)
    else:
        _run_inline(batch, chosen, stop_at, strict_order)


def _run_inline(batch: Batch, indices: Sequence[int], stop_at: float, strict: bool) -> None:
    """Plain handlers: one after another in batch order, as a loop would. ``strict``:
    the first failure skips every later item."""
    items, runners, status, keys = batch.items, batch.runners, batch.status, batch.keys
    results = batch.results
    failed_keys: set[Hashable] = set()
    clock = time.monotonic
    for i in indices:
        if clock() >= stop_at:
            return
        key = None if keys is None else keys[i]
        if status[i] != _PENDING:  # decided before running: it keeps its outcome
            if status[i] not in _OK:
                if strict:
                    _skip_pending(status, indices)
                    return
                if key is not None:
                    failed_keys.add(key)
            continue
        if key is not None and key in failed_keys:
            status[i] = _SKIPPED
            continue
        runner = runners[i]
        assert runner is not None
        status[i] = _STARTED
        try:
            result = runner.call(items[i], i)
        except BaseException as exc:  # a plain call: nothing of lambent's can cancel it
            if failure(batch, i, runner, exc):  # dropped
                continue
        else:
            error = None if result is None else unawaited(runner, result)
            if error is None:
                status[i] = _SUCCEEDED
                if result is not None:
                    results[i] = result
                continue
            failure(batch, i, runner, error)  # not a decode error: never dropped
        if strict:
            _skip_pending(status, indices)
            return
        if key is not None:
            failed_keys.add(key)


def _run_single(batch: Batch, runner: Runner, indices: Sequence[int], stop_at: float) -> None:
    """Every item runs one plain route, in no order group: a plain loop, the handler's
    call fused into it when it takes only the payload (``lambent._fast``:
    ``single_route_runs``). Answers as :func:`_run_inline`, but for the deadline's slack:
    while more than :data:`FAR` seconds remain, the clock is read every :data:`STRIDE`
    items (``deadline_stride``), so an item starts after the deadline only when the items
    started since the last reading took longer than ``FAR``, and at most ``STRIDE - 1`` do."""
    parts = runner.payload
    if parts is None:
        _run_inline(batch, indices, stop_at, False)
        return
    read, decode, fn, _, json_payload, key = parts
    items, status, results = batch.items, batch.status, batch.results
    n = len(items)
    if indices != range(n) or status.count(_PENDING) != n:  # some items decided before
        chosen: list[int] | None = [i for i in indices if not status[i]]
    else:
        chosen = None
    failed: list[tuple[int, int]] = []
    clock = time.monotonic
    # how many of the chosen items ran (the rest: not started at the deadline)
    ran = n if chosen is None else len(chosen)
    pairs = enumerate(items) if chosen is None else ((i, items[i]) for i in chosen)
    # the clock is read before an item when its index reaches ``check``: before every one
    # within the last :data:`FAR` seconds, every :data:`STRIDE` items before them
    check, far = 0, stop_at - FAR
    stride = STRIDE if FAST.deadline_stride else 1
    for i, item in pairs:
        if i >= check:
            now = clock()
            if now >= stop_at:
                ran = i if chosen is None else chosen.index(i)
                break
            check = i + stride if now < far else i + 1
        try:  # the decode guard
            if key is not None:  # raw records whose payload is a checked string
                value = decode(item[key])
            else:
                raw = read(item)  # base64 data, DynamoDB images: inside the decode guard
                value = decode_absent(decode) if raw is None and json_payload else decode(raw)
        except BaseException as exc:
            failed.append(_failure(batch, runner, i, item, exc, True))
            continue
        try:
            result = fn(value)
        except BaseException as exc:  # a plain call: nothing of lambent's can cancel it
            failed.append(_failure(batch, runner, i, item, exc, False))
            continue
        if result is not None:
            error = unawaited(runner, result)
            if error is not None:
                failed.append(_failure(batch, runner, i, item, error, False))
                continue
            results[i] = result
    if chosen is None:
        status[:ran] = _ALL_SUCCEEDED[:ran] if ran <= len(_ALL_SUCCEEDED) else bytes([2]) * ran
    else:
        for i in chosen[:ran]:
            status[i] = _SUCCEEDED
    for i, outcome in failed:
        status[i] = outcome


def _failure(
    batch: Batch, runner: Runner, i: int, item: Any, exc: BaseException, undecoded: bool
) -> tuple[int, int]:
    """Item ``i``'s failure in :func:`_run_single`: the handler's exception, or the decode
    error naming the record (``undecoded``). Anything else decoding raised came from the
    payload type's own code (a ``__post_init__``): the record's failure as it is, as the
    general path's call raises it."""
    if not undecoded or not isinstance(exc, DECODE_ERRORS):
        batch.errors[i] = exc
        return i, _FAILED
    assert runner.payload is not None
    error = as_decode_error(exc, runner.payload.id_of(item))
    # its traceback would only name this loop, and keep the loop's frame (and the whole
    # batch) alive in a reference cycle until the garbage collector runs
    error.__cause__ = exc.with_traceback(None)
    batch.errors[i] = error
    return i, _DROPPED if runner.drop_on_decode_error else _FAILED


#: seconds before the deadline from which the single-route loop reads the clock before
#: every item; before them, every :data:`STRIDE` items (a reading costs about a twentieth
#: of a small record's decode and call: at most ``STRIDE - 1`` items start late, and only
#: when those since the last reading took longer than ``FAR``)
FAR = 1.0
STRIDE = 8

#: statuses of items that all succeeded, sliced (most batches are at most this long)
_ALL_SUCCEEDED = bytes([_SUCCEEDED]) * 10_000


def _skip_pending(status: bytearray, indices: Sequence[int]) -> None:
    for i in indices:
        if status[i] == _PENDING:
            status[i] = _SKIPPED
