"""The batch engine's invariants, over random batches, failures, delays and deadlines."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent._dispatch import Status, Work, run_batch

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


def make_works(
    spec: list[tuple[int | None, bool, int]], log: list[tuple[str, int]], *, sync: bool = False
) -> list[Work]:
    works = []
    for i, (key, fails, delay_ms) in enumerate(spec):

        async def call(w: Work, fails: bool = fails, delay_ms: int = delay_ms) -> str:
            log.append(("start", w.index))
            try:
                if delay_ms:
                    await anyio.sleep(delay_ms / 1000)
                else:
                    await anyio.lowlevel.checkpoint()
            finally:
                log.append(("end", w.index))
            if fails:
                raise Boom(w.item_id)
            return w.item_id

        def sync_call(w: Work, fails: bool = fails) -> str:
            log.append(("start", w.index))
            log.append(("end", w.index))
            if fails:
                raise Boom(w.item_id)
            return w.item_id

        works.append(
            Work(
                index=i,
                item_id=f"id-{i}",
                call=sync_call if sync else call,
                is_async=not sync,
                order_key=key,
            )
        )
    return works


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
    works: list[Work],
    log: list[tuple[str, int]],
    strict: bool,
) -> None:
    started = [i for ev, i in log if ev == "start"]
    assert len(started) == len(set(started)), "an item ran twice"
    ran = set(started)
    for w, (_key, fails, _) in zip(works, spec, strict=True):
        assert w.status in FINAL
        if w.status is Status.SUCCEEDED:
            assert w.index in ran and not fails
            assert w.result == w.item_id
        if w.status is Status.FAILED:
            assert w.index in ran and fails and isinstance(w.error, Boom)
        if w.status in (Status.SKIPPED, Status.NOT_STARTED):
            assert w.index not in ran
    # order: within a key, an item starts only after the previous one ended, and
    # nothing of the key runs after a failure
    position = {(ev, i): n for n, (ev, i) in enumerate(log)}
    by_key: dict[int, list[Work]] = {}
    for w, (key, _, _) in zip(works, spec, strict=True):
        if key is not None:
            by_key.setdefault(key, []).append(w)
    for unit in by_key.values():
        failed_seen = False
        for prev, nxt in itertools.pairwise(unit):
            if nxt.index in ran:
                assert prev.index in ran
                assert position[("end", prev.index)] < position[("start", nxt.index)]
        for w in unit:
            if failed_seen:
                assert w.index not in ran, "ran after an earlier failure of its key"
                assert not w.status.ok
            if w.status is Status.FAILED:
                failed_seen = True
    if strict:
        first_fail = next((w.index for w in works if w.status is Status.FAILED), None)
        if first_fail is not None:
            assert all(i <= first_fail for i in ran)
            assert all(not w.status.ok for w in works if w.index > first_fail)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=batches, concurrency=st.integers(1, 12), strict=st.booleans())
def test_every_item_ends_exactly_once_and_order_holds(
    spec: list[tuple[int | None, bool, int]], concurrency: int, strict: bool
) -> None:
    log: list[tuple[str, int]] = []
    works = make_works(spec, log)
    outcomes = asyncio.run(
        run_batch(works, concurrency=concurrency, budget=None, strict_order=strict)
    )
    check_invariants(spec, works, log, strict)
    # without a deadline everything ran or was skipped after a failure
    assert all(w.status not in (Status.NOT_STARTED, Status.CANCELLED) for w in works)
    assert sum(outcomes.summary().values()) == len(works)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=batches, concurrency=st.integers(1, 8), budget_ms=st.integers(0, 4))
def test_deadline_leaves_nothing_unaccounted(
    spec: list[tuple[int | None, bool, int]], concurrency: int, budget_ms: int
) -> None:
    log: list[tuple[str, int]] = []
    works = make_works(spec, log)
    asyncio.run(run_batch(works, concurrency=concurrency, budget=budget_ms / 1000))
    check_invariants(spec, works, log, False)
    for w in works:
        if w.status is Status.CANCELLED:
            assert ("start", w.index) in log


@settings(max_examples=80, deadline=None)
@given(spec=batches)
def test_sync_handlers_run_inline_in_batch_order(spec: list[tuple[int | None, bool, int]]) -> None:
    log: list[tuple[str, int]] = []
    works = make_works(spec, log, sync=True)
    asyncio.run(run_batch(works, concurrency=10, budget=None))
    check_invariants(spec, works, log, False)
    started = [i for ev, i in log if ev == "start"]
    assert started == sorted(started)


def test_io_bound_batch_runs_concurrently() -> None:
    """1,000 records that each wait 10 ms, concurrency 100: about 10 rounds, not 1,000."""

    async def wait(w: Work) -> None:
        await anyio.sleep(0.01)

    works = [Work(index=i, item_id=str(i), call=wait, is_async=True) for i in range(1000)]
    begin = time.monotonic()
    asyncio.run(run_batch(works, concurrency=100, budget=None))
    elapsed = time.monotonic() - begin
    assert all(w.status is Status.SUCCEEDED for w in works)
    assert elapsed < 1.0, elapsed


def test_fifo_groups_keep_order_under_concurrency() -> None:
    events: list[tuple[str, int, int]] = []

    async def call(w: Work) -> None:
        events.append(("start", w.order_key, w.index))  # type: ignore[arg-type]
        await anyio.sleep(0.01)
        events.append(("end", w.order_key, w.index))  # type: ignore[arg-type]

    works = [
        Work(index=i, item_id=str(i), call=call, is_async=True, order_key=i % 10)
        for i in range(1000)
    ]
    begin = time.monotonic()
    asyncio.run(run_batch(works, concurrency=100, budget=None))
    assert time.monotonic() - begin < 1.9  # 100 records per group, 10 ms each, groups in parallel
    per_group: dict[int, list[tuple[str, int]]] = {}
    for ev, key, index in events:
        per_group.setdefault(key, []).append((ev, index))
    for key, seq in per_group.items():
        expected = [i for i in range(1000) if i % 10 == key]
        assert [i for ev, i in seq if ev == "start"] == expected
        # strictly one at a time: start, end, start, end ...
        assert [ev for ev, _ in seq] == ["start", "end"] * len(expected)


def test_deadline_cancels_a_slow_handler_and_returns_in_time() -> None:
    async def slow(w: Work) -> None:
        await anyio.sleep(2)

    async def quick(w: Work) -> None:
        return None

    works = [
        Work(index=0, item_id="fast", call=quick, is_async=True),
        Work(index=1, item_id="slow", call=slow, is_async=True),
    ]
    begin = time.monotonic()
    outcomes = asyncio.run(run_batch(works, concurrency=10, budget=0.3))
    assert time.monotonic() - begin < 0.6
    assert [w.status for w in works] == [Status.SUCCEEDED, Status.CANCELLED]
    assert [w.item_id for w in outcomes.failed()] == ["slow"]


def test_errors_known_before_running_fail_alone() -> None:
    ran: list[Any] = []

    async def call(w: Work) -> None:
        ran.append(w.item_id)

    works = [
        Work(index=0, item_id="a", call=call, is_async=True),
        Work(index=1, item_id="b", error=ValueError("bad record")),
        Work(index=2, item_id="c", error=ValueError("bad"), drop_on_decode_error=True),
        Work(index=3, item_id="d", call=call, is_async=True),
    ]
    asyncio.run(run_batch(works, concurrency=4, budget=None))
    assert ran == ["a", "d"]
    assert [w.status for w in works] == [
        Status.SUCCEEDED,
        Status.FAILED,
        Status.DROPPED,
        Status.SUCCEEDED,
    ]
