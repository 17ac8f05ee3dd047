"""SnapStart hooks (lambent.runtime._hooks): ``@before_snapshot`` functions run last
registered first, ``@after_restore`` ones in order; plain and ``async def`` alike."""

from __future__ import annotations

import anyio

from lambent.runtime._hooks import (
    after_restore,
    before_snapshot,
    run_after_restore,
    run_before_snapshot,
)


async def test_hooks_run_in_their_order_plain_and_async() -> None:
    ran: list[str] = []

    def close_pool() -> None:
        ran.append("close pool")

    async def flush() -> None:
        await anyio.lowlevel.checkpoint()
        ran.append("flush")

    def reseed() -> None:
        ran.append("reseed")

    async def reconnect() -> None:
        await anyio.lowlevel.checkpoint()
        ran.append("reconnect")

    assert before_snapshot(close_pool) is close_pool and before_snapshot(flush) is flush
    assert after_restore(reseed) is reseed and after_restore(reconnect) is reconnect
    await run_before_snapshot()
    assert ran == ["flush", "close pool"]  # the last registered first, as AWS's hooks
    ran.clear()
    await run_after_restore()
    assert ran == ["reseed", "reconnect"]
