"""RecordGuard over a MemoryStore: who runs, what is left behind."""

from __future__ import annotations

import time

import anyio
import pytest

from lambent.idempotency import (
    InProgressError,
    KeyReusedError,
    MemoryStore,
    RecordGuard,
    Verdict,
    fingerprint,
)


def _guard(store: MemoryStore, seconds: float = 30) -> RecordGuard:
    return RecordGuard(store, expires_at=time.time() + seconds)


async def test_verdicts_from_one_read() -> None:
    store = MemoryStore()
    now = time.time()
    await store.complete("done", fingerprint="a", token="t", expires_at=now + 60, response=None)
    await store.claim("busy", fingerprint="a", token="t", expires_at=now + 60, now=now)
    await store.claim("stale", fingerprint="a", token="t", expires_at=now - 1, now=now - 2)
    guard = _guard(store)
    keys = {
        0: ("done", "a"),
        1: ("busy", "a"),
        2: ("stale", "a"),
        3: ("new", "a"),
        4: ("done", "b"),
    }
    verdicts = await guard.prepare(keys)
    assert verdicts == {
        0: Verdict.DONE,
        1: Verdict.BUSY,
        2: Verdict.RUN,
        3: Verdict.RUN,
        4: Verdict.REUSED,
    }
    assert store.calls["get_many"] == 1
    assert isinstance(guard.error(1, Verdict.BUSY), InProgressError)
    assert isinstance(guard.error(4, Verdict.REUSED), KeyReusedError)


async def test_success_completes_failure_and_cancel_release() -> None:
    store = MemoryStore()
    guard = _guard(store)
    await guard.prepare({0: ("ok", "f"), 1: ("bad", "f"), 2: ("cut", "f"), 3: ("ok", "f")})

    async def ok() -> str:
        return "result"

    async def bad() -> None:
        raise ValueError("boom")

    assert await guard.run(0, ok) == "result"
    with pytest.raises(ValueError, match="boom"):
        await guard.run(1, bad)
    with anyio.move_on_after(0.01):
        await guard.run(2, anyio.sleep_forever)
    ran: list[int] = []

    async def again() -> None:
        ran.append(3)

    assert await guard.run(3, again) is None  # same key as record 0: done in this batch
    assert ran == []
    entries = await store.get_many(["ok", "bad", "cut"])
    assert set(entries) == {"ok"} and entries["ok"].status == "completed"


async def test_same_key_running_concurrently_in_one_batch_fails_the_second() -> None:
    store = MemoryStore()
    guard = _guard(store)
    await guard.prepare({0: ("k", "f"), 1: ("k", "f")})
    started = anyio.Event()
    outcomes: dict[int, object] = {}

    async def slow() -> str:
        started.set()
        await anyio.sleep(0.05)
        return "first"

    async def run(i: int) -> None:
        try:
            outcomes[i] = await guard.run(i, slow)
        except InProgressError as exc:
            outcomes[i] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, 0)
        await started.wait()
        tg.start_soon(run, 1)
    assert outcomes[0] == "first" and isinstance(outcomes[1], InProgressError)


def test_fingerprint_is_stable_and_content_sensitive() -> None:
    assert fingerprint('{"a":1}') == fingerprint(b'{"a":1}')
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint("x") != fingerprint("y")
