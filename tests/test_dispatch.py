"""The batch engine's invariants, over random batches, failures, delays and deadlines."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import warnings
from collections.abc import Hashable
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, DeadlineExceeded
from lambent._dispatch import Batch, Runner, Status, run_batch
from lambent._errors import DecodeError
from lambent._fast import FAST, general_path
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, sqs_event

FINAL = {
    Status.SUCCEEDED,
    Status.FAILED,
    Status.SKIPPED,
    Status.NOT_STARTED,
    Status.CANCELLED,
    Status.DROPPED,
}


class Boom(Exception):
    pass


def make_batch(
    spec: list[tuple[int | None, bool, int]], log: list[tuple[str, int]], *, sync: bool = False
) -> Batch:
    jobs = [(f"id-{i}", fails, delay_ms) for i, (_, fails, delay_ms) in enumerate(spec)]

    async def call(job: tuple[str, bool, int], index: int) -> str:
        name, fails, delay_ms = job
        log.append(("start", index))
        try:
            if delay_ms:
                await anyio.sleep(delay_ms / 1000)
            else:
                await anyio.lowlevel.checkpoint()
        finally:
            log.append(("end", index))
        if fails:
            raise Boom(name)
        return name

    def sync_call(job: tuple[str, bool, int], index: int) -> str:
        name, fails, _ = job
        log.append(("start", index))
        log.append(("end", index))
        if fails:
            raise Boom(name)
        return name

    batch = Batch(jobs)
    runner = Runner(call=sync_call) if sync else Runner(call=call, is_async=True)
    batch.runners = [runner] * len(jobs)
    keys: list[Hashable | None] = [key for key, _, _ in spec]
    batch.keys = keys if any(k is not None for k in keys) else None
    return batch


batches = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 3)),  # order key
        st.booleans(),  # fails
        st.sampled_from([0, 0, 0, 1, 2]),  # delay ms
    ),
    min_size=0,
    max_size=40,
)


def check_invariants(
    spec: list[tuple[int | None, bool, int]],
    batch: Batch,
    log: list[tuple[str, int]],
    strict: bool,
) -> None:
    started = [i for ev, i in log if ev == "start"]
    assert len(started) == len(set(started)), "an item ran twice"
    ran = set(started)
    statuses = [Status(s) for s in batch.status]
    for i, (_key, fails, _) in enumerate(spec):
        assert statuses[i] in FINAL
        if statuses[i] is Status.SUCCEEDED:
            assert i in ran and not fails
            assert batch.results[i] == f"id-{i}"
        if statuses[i] is Status.FAILED:
            assert i in ran and fails and isinstance(batch.errors[i], Boom)
        if statuses[i] in (Status.SKIPPED, Status.NOT_STARTED):
            assert i not in ran
    # order: within a key, an item starts only after the previous one ended, and
    # nothing of the key runs after a failure
    position = {(ev, i): n for n, (ev, i) in enumerate(log)}
    by_key: dict[int, list[int]] = {}
    for i, (key, _, _) in enumerate(spec):
        if key is not None:
            by_key.setdefault(key, []).append(i)
    for unit in by_key.values():
        failed_seen = False
        for prev, nxt in itertools.pairwise(unit):
            if nxt in ran:
                assert prev in ran
                assert position[("end", prev)] < position[("start", nxt)]
        for i in unit:
            if failed_seen:
                assert i not in ran, "ran after an earlier failure of its key"
                assert not statuses[i].ok
            if statuses[i] is Status.FAILED:
                failed_seen = True
    if strict:
        first_fail = next((i for i, st_ in enumerate(statuses) if st_ is Status.FAILED), None)
        if first_fail is not None:
            assert all(i <= first_fail for i in ran)
            assert all(not st_.ok for i, st_ in enumerate(statuses) if i > first_fail)
    assert sum(batch.summary().values()) == len(spec)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=batches, concurrency=st.integers(1, 12), strict=st.booleans())
def test_every_item_ends_exactly_once_and_order_holds(
    spec: list[tuple[int | None, bool, int]], concurrency: int, strict: bool
) -> None:
    log: list[tuple[str, int]] = []
    batch = make_batch(spec, log)
    asyncio.run(run_batch(batch, concurrency=concurrency, budget=None, strict_order=strict))
    check_invariants(spec, batch, log, strict)
    # without a deadline everything ran or was skipped after a failure
    assert Status.NOT_STARTED not in batch.status
    assert Status.CANCELLED not in batch.status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=batches, concurrency=st.integers(1, 8), budget_ms=st.integers(0, 4))
def test_deadline_leaves_nothing_unaccounted(
    spec: list[tuple[int | None, bool, int]], concurrency: int, budget_ms: int
) -> None:
    log: list[tuple[str, int]] = []
    batch = make_batch(spec, log)
    asyncio.run(run_batch(batch, concurrency=concurrency, budget=budget_ms / 1000))
    check_invariants(spec, batch, log, False)
    for i, status in enumerate(batch.status):
        if status == Status.CANCELLED:
            assert ("start", i) in log


@settings(max_examples=80, deadline=None)
@given(spec=batches, strict=st.booleans())
def test_sync_handlers_run_inline_in_batch_order(
    spec: list[tuple[int | None, bool, int]], strict: bool
) -> None:
    log: list[tuple[str, int]] = []
    batch = make_batch(spec, log, sync=True)
    asyncio.run(run_batch(batch, concurrency=10, budget=None, strict_order=strict))
    check_invariants(spec, batch, log, strict)
    started = [i for ev, i in log if ev == "start"]
    assert started == sorted(started)


def test_io_bound_batch_runs_concurrently() -> None:
    """1,000 records that each wait 10 ms, concurrency 100: exactly 100 in flight at the
    peak (about 10 rounds, not 1,000) - counted, not timed, so a loaded machine can't fail it."""
    in_flight = 0
    peak = 0

    async def wait(item: int, index: int) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1

    batch = Batch(list(range(1000)))
    batch.runners = [Runner(call=wait, is_async=True)] * 1000
    asyncio.run(run_batch(batch, concurrency=100, budget=None))
    assert batch.status.count(Status.SUCCEEDED) == 1000
    assert peak == 100
    assert in_flight == 0


def test_fifo_groups_keep_order_under_concurrency() -> None:
    events: list[tuple[str, int, int]] = []

    async def call(item: int, index: int) -> None:
        events.append(("start", item % 10, index))
        await anyio.sleep(0.01)
        events.append(("end", item % 10, index))

    batch = Batch(list(range(1000)))
    batch.runners = [Runner(call=call, is_async=True)] * 1000
    batch.keys = [i % 10 for i in range(1000)]
    asyncio.run(run_batch(batch, concurrency=100, budget=None))
    # groups in parallel (counted, not timed): at the peak one record of every group runs
    open_now, peak = 0, 0
    for ev, _, _ in events:
        open_now += 1 if ev == "start" else -1
        peak = max(peak, open_now)
    assert peak == 10
    per_group: dict[int, list[tuple[str, int]]] = {}
    for ev, key, index in events:
        per_group.setdefault(key, []).append((ev, index))
    for key, seq in per_group.items():
        expected = [i for i in range(1000) if i % 10 == key]
        assert [i for ev, i in seq if ev == "start"] == expected
        # strictly one at a time: start, end, start, end ...
        assert [ev for ev, _ in seq] == ["start", "end"] * len(expected)


def test_deadline_cancels_a_slow_handler_and_returns_in_time() -> None:
    async def call(item: str, index: int) -> None:
        if item == "slow":
            await anyio.sleep(2)

    batch = Batch(["fast", "slow"])
    batch.runners = [Runner(call=call, is_async=True)] * 2
    begin = time.monotonic()
    asyncio.run(run_batch(batch, concurrency=10, budget=0.3))
    assert time.monotonic() - begin < 0.6
    assert list(batch.status) == [Status.SUCCEEDED, Status.CANCELLED]
    assert batch.failed() == [1]


def test_errors_known_before_running_fail_alone() -> None:
    ran: list[Any] = []

    async def call(item: str, index: int) -> None:
        ran.append(item)

    runner = Runner(call=call, is_async=True)
    batch = Batch(["a", None, None, "d"])
    batch.runners = [runner, None, None, runner]
    batch.fail(1, ValueError("bad record"))
    batch.fail(2, ValueError("bad"), drop=True)
    asyncio.run(run_batch(batch, concurrency=4, budget=None))
    assert ran == ["a", "d"]
    assert list(batch.status) == [Status.SUCCEEDED, Status.FAILED, Status.DROPPED, Status.SUCCEEDED]


# --------------------------------------------------------------- odd exceptions, through the App


class Unprintable(Exception):
    """An exception whose ``__str__`` itself raises."""

    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class Halt(BaseException):
    """A user's own BaseException subclass."""


def _odd_errors() -> list[BaseException]:
    """Fresh instances each call: one per record, the last record succeeds."""
    return [Unprintable(), KeyboardInterrupt(), SystemExit(3), Halt(), asyncio.CancelledError()]


ODD_NAMES = ["Unprintable", "KeyboardInterrupt", "SystemExit", "Halt", "CancelledError"]


@pytest.mark.parametrize("mode", ["plain", "async", "threaded"])
def test_odd_exceptions_fail_their_record_alone_and_are_logged_by_name(mode: str) -> None:
    app = App()
    ran: list[int] = []

    def body(n: int) -> None:
        ran.append(n)
        errors = _odd_errors()
        if n < len(errors):
            raise errors[n]

    if mode == "async":

        @app.sqs("q")
        async def handle_async(n: int) -> None:
            body(n)

    else:

        @app.sqs("q", threaded=mode == "threaded")
        def handle(n: int) -> None:
            body(n)

    event = sqs_event(*range(len(ODD_NAMES) + 1), queue="q")
    ids = [r["messageId"] for r in event["Records"]]
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert out == {"batchItemFailures": [{"itemIdentifier": i} for i in ids[:-1]]}
    assert sorted(ran) == list(range(len(ODD_NAMES) + 1))  # every sibling ran
    failed = {e["record_id"]: e["error"] for e in logs if e["event"] == "record failed"}
    assert [failed[i].split(":")[0] for i in ids[:-1]] == ODD_NAMES
    assert "<str() failed>" in failed[ids[0]]
    assert not any("deadline" in text for text in failed.values())


def test_odd_exceptions_in_a_whole_batch_handler_fail_its_records() -> None:
    app = App()

    @app.sqs("q")
    async def whole(records: list[SQSMessage]) -> None:
        raise SystemExit(1)

    event = sqs_event(1, 2, queue="q")
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert len(out["batchItemFailures"]) == 2
    assert {e["error"] for e in logs if e["event"] == "record failed"} == {"SystemExit: 1"}


@settings(max_examples=200, deadline=None)
@given(
    outcomes=st.lists(
        st.tuples(st.sampled_from(list(Status)), st.booleans()), min_size=0, max_size=30
    )
)
def test_failed_names_every_item_not_ok_in_batch_order(
    outcomes: list[tuple[Status, bool]],
) -> None:
    """``Batch.failed`` (read from the errors when every item that is not ok has one)
    is every item neither succeeded nor dropped, in batch order, errors or not."""
    batch = Batch([None] * len(outcomes))
    for i, (status, has_error) in enumerate(outcomes):
        batch.status[i] = status
        if has_error:
            batch.errors[i] = ValueError(i)
    expected = [i for i, (status, _) in enumerate(outcomes) if not status.ok]
    assert batch.failed() == expected


# ------------------------------------------------- whole-batch units beside per-record ones

KINDS = ["item-async", "item-plain", "whole-async", "whole-plain", "whole-raises", "whole-slow"]


def _mixed(
    kinds: list[str], owners: list[int], fails: list[bool], calls: dict[int, list[list[int]]]
) -> Batch:
    """Items ``0..n-1``; item ``i`` runs runner ``owners[i]`` of kind ``kinds[owner]``. A
    whole unit reports its items that ``fails`` marks; a per-record one raises for them."""

    def settle(batch: Batch, mine: list[int], result: Any, record_id: Any) -> None:
        for i in mine:
            batch.status[i] = Status.FAILED if i in result else Status.SUCCEEDED

    def whole(r: int, kind: str) -> Runner:
        def report(items: list[int], index: int) -> set[int]:
            calls.setdefault(r, []).append(list(items))
            if kind == "whole-raises":
                raise Halt(r)
            return {i for i in items if fails[i]}

        async def report_async(items: list[int], index: int) -> set[int]:
            await anyio.sleep(5 if kind == "whole-slow" else 0)
            return report(items, index)

        plain = kind in ("whole-plain", "whole-raises")
        call = report if plain else report_async
        return Runner(call=call, is_async=not plain, whole=True, settle=settle)

    def per_record(r: int, kind: str) -> Runner:
        def run(item: int, index: int) -> int:
            calls.setdefault(r, []).append([item])
            if fails[item]:
                raise Boom(item)
            return item

        async def run_async(item: int, index: int) -> int:
            await anyio.lowlevel.checkpoint()
            return run(item, index)

        return Runner(call=run_async, is_async=True) if kind == "item-async" else Runner(call=run)

    runners = [
        whole(r, kind) if kind.startswith("whole") else per_record(r, kind)
        for r, kind in enumerate(kinds)
    ]
    batch = Batch(list(range(len(owners))))
    batch.runners = [runners[r] for r in owners]
    return batch


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
    data=st.data(),
    budget=st.sampled_from([None, None, 0.02]),
    concurrency=st.integers(1, 5),
)
def test_every_item_ends_in_one_status_whatever_its_unit(
    kinds: list[str], data: st.DataObject, budget: float | None, concurrency: int
) -> None:
    """Per-record and whole-batch units in one batch: each whole unit is called once with
    all its items, and its answer (or its raise, or the deadline) decides each of them;
    each per-record item runs at most once; every item ends in exactly one final status."""
    if budget is None:
        kinds = [k for k in kinds if k != "whole-slow"] or ["item-plain"]
    n = data.draw(st.integers(0, 25))
    owners = data.draw(st.lists(st.integers(0, len(kinds) - 1), min_size=n, max_size=n))
    fails = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    calls: dict[int, list[list[int]]] = {}
    batch = _mixed(kinds, owners, fails, calls)
    asyncio.run(run_batch(batch, concurrency=concurrency, budget=budget))
    statuses = [Status(s) for s in batch.status]
    assert all(s in FINAL for s in statuses)
    assert sum(batch.summary().values()) == n
    for r, kind in enumerate(kinds):
        mine = [i for i in range(n) if owners[i] == r]
        made = calls.get(r, [])
        if kind.startswith("whole"):
            assert made in ([], [mine]), "a whole unit is called once, with all its items"
            got = {statuses[i] for i in mine}
            if kind == "whole-raises" and made:
                assert got == {Status.FAILED}
                assert all(isinstance(batch.errors[i], Halt) for i in mine)
            elif made:
                assert all(statuses[i] is (Status.FAILED if fails[i] else Status.SUCCEEDED)
                           for i in mine)  # fmt: skip
            else:  # cut by the deadline: before it started, or while it ran
                assert budget is not None or not mine
                assert got in (set(), {Status.NOT_STARTED}, {Status.CANCELLED})
                if got == {Status.CANCELLED}:
                    assert all(isinstance(batch.errors[i], DeadlineExceeded) for i in mine)
            if kind == "whole-slow":
                assert not made
            continue
        ran = [unit[0] for unit in made]
        assert len(ran) == len(set(ran)), "an item ran twice"
        for i in mine:
            if statuses[i] is Status.SUCCEEDED:
                assert i in ran and not fails[i] and batch.results[i] == i
            elif statuses[i] is Status.FAILED:
                assert i in ran and fails[i]
            else:
                assert statuses[i] in (Status.NOT_STARTED, Status.CANCELLED) and budget
    if budget is None:
        assert Status.NOT_STARTED not in statuses and Status.CANCELLED not in statuses


def test_a_whole_unit_with_no_time_left_is_not_started() -> None:
    calls: dict[int, list[list[int]]] = {}
    batch = _mixed(["whole-plain", "item-plain"], [0, 1, 0], [False] * 3, calls)
    asyncio.run(run_batch(batch, concurrency=1, budget=0))
    assert calls == {}
    assert list(batch.status) == [Status.NOT_STARTED] * 3
    assert batch.failed() == [0, 1, 2]


@settings(max_examples=80, deadline=None)
@given(
    spec=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 3)),  # order key
            st.sampled_from(["ok", "raises", "undecodable", "decided"]),
        ),
        max_size=30,
    ),
    strict=st.booleans(),
    drop=st.booleans(),
)
def test_plain_units_end_as_the_inline_loop_ends_them(
    spec: list[tuple[int | None, str]], strict: bool, drop: bool
) -> None:
    """Plain handlers run by the pool of units (the ``INLINE`` strategy, ``inline_runs``
    off) and by the inline loop: the same statuses, errors and results for every item."""

    def call(item: tuple[int, str], index: int) -> int:
        n, what = item
        if what == "raises":
            raise Boom(n)
        if what == "undecodable":
            raise DecodeError("not JSON", record_id=f"r-{n}", path="$.body")
        return n

    outcomes = []
    for inline in (True, False):
        batch = Batch([(n, what) for n, (_, what) in enumerate(spec)])
        batch.runners = [Runner(call=call, drop_on_decode_error=drop)] * len(spec)
        keys: list[Hashable | None] = [key for key, _ in spec]
        batch.keys = keys if any(k is not None for k in keys) else None
        for n, (_, what) in enumerate(spec):
            if what == "decided":
                batch.fail(n, ValueError(n))
        FAST.inline_runs = inline
        try:
            asyncio.run(run_batch(batch, concurrency=3, budget=None, strict_order=strict))
        finally:
            del FAST.inline_runs  # back to the class default
        errors = {i: repr(e) for i, e in batch.errors.items()}
        outcomes.append((list(batch.status), errors, dict(batch.results)))
    assert outcomes[0] == outcomes[1]


async def _save(body: dict[str, Any], saved: list[Any]) -> None:
    saved.append(body)


@pytest.mark.parametrize("how", ["plain", "async", "threaded"])
@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_a_handler_returning_a_coroutine_it_did_not_await_fails_its_record(
    how: str, general: bool
) -> None:
    """``def h(b): return save(b)`` with ``save`` async: the work never ran, so the record
    is reported failed (a HandlerError naming the handler), not counted as done; the
    coroutine is closed, with no "never awaited" warning."""
    saved: list[Any] = []
    app = App()
    if how == "async":

        @app.sqs("q")
        async def forgot_async(body: dict[str, Any]) -> Any:
            return _save(body, saved) if body["n"] == 1 else None

    else:

        @app.sqs("q", threaded=how == "threaded")
        def forgot(body: dict[str, Any]) -> Any:
            return _save(body, saved) if body["n"] == 1 else None

    event = sqs_event({"n": 0}, {"n": 1}, queue="q")
    with (
        general_path() if general else contextlib.nullcontext(),
        capture_logs() as logs,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")  # a "never awaited" RuntimeWarning fails the test
        out = app.handler(event, FakeContext())
    assert out == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert saved == []
    [entry] = [e for e in logs if e["event"] == "record failed"]
    assert entry["error"].startswith("HandlerError: ") and "returned a coroutine" in entry["error"]
