"""SnapStart hooks (lambent.runtime._hooks): ``@before_snapshot`` functions run last
registered first, ``@after_restore`` ones in order; plain and ``async def`` alike; under
awslambdaric too."""

from __future__ import annotations

import sys

import anyio
import pytest

from lambent.runtime._hooks import (
    after_restore,
    before_snapshot,
    run_after_restore,
    run_before_snapshot,
)
from tests.runtime.conftest import RuntimeAPI, sigterm

LIFECYCLE = "tests.runtime.apps.lifecycle.handler"


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


@pytest.mark.parametrize("module", ["awslambdaric", "lambent.runtime"])
def test_awslambdaric_runs_lambents_hooks_and_lambent_runs_them_once(
    runtime_api_host: RuntimeAPI, module: str
) -> None:
    # lambent's hooks were in lambent's lists only: awslambdaric (no wrapper, or
    # LAMBENT_RUNTIME=awslambdaric) never ran them under SnapStart, and said nothing
    command = [sys.executable, "-m", module, LIFECYCLE]
    process = runtime_api_host.start("", *command, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 0}')
    (outcome,) = runtime_api_host.wait([request])
    assert outcome.error_type is None and runtime_api_host.host.restored == 1
    out = sigterm(process).splitlines()
    assert [line for line in out if "snapshot" in line or "restore" in line] == [
        "before snapshot",
        "after restore",
    ]
