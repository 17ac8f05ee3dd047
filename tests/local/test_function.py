"""A local function and the table that finds it (lambent._local.function): concurrency
shared by synchronous calls (throttled when every slot is busy) and Event invocations
(waiting for a slot), and names resolved as the Invoke API resolves them."""

from __future__ import annotations

import anyio
import pytest

from lambent._local.errors import ServiceError
from lambent._local.function import FunctionTable, LocalFunction
from lambent._local.model import FunctionConfig, Invocation, InvocationResult

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


class Gate:
    """A runner whose invocations wait until the gate opens."""

    def __init__(self) -> None:
        self.open = anyio.Event()
        self.started = 0

    async def run(self, invocation: Invocation) -> InvocationResult:
        self.started += 1
        await self.open.wait()
        return InvocationResult(payload=invocation.payload)

    async def aclose(self) -> bool:
        return True


def _function(concurrency: int = 1) -> tuple[LocalFunction, Gate]:
    gate = Gate()
    return LocalFunction(
        FunctionConfig(name="orders", target="x:y", concurrency=concurrency), gate
    ), gate


def _invocation(payload: bytes = b"{}") -> Invocation:
    return Invocation(function="orders", payload=payload, invoked_arn=ARN)


async def test_a_call_finding_every_slot_busy_is_throttled_and_an_event_waits() -> None:
    function, gate = _function(concurrency=1)
    results: list[bytes] = []

    async def call(payload: bytes) -> None:
        results.append((await function.invoke_now(_invocation(payload))).payload)

    async def event() -> None:
        result = await function.invoke_when_free(_invocation(b"event"), wait_limit=5)
        assert result is not None
        results.append(result.payload)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, b"first")
        await anyio.wait_all_tasks_blocked()
        assert function.running == 1
        with pytest.raises(ServiceError) as info:
            await function.invoke_now(_invocation())
        assert info.value.status == 429
        tg.start_soon(event)
        await anyio.wait_all_tasks_blocked()
        assert gate.started == 1  # the event waits for the slot
        gate.open.set()
    assert results == [b"first", b"event"] and function.running == 0


async def test_an_event_that_finds_no_slot_in_time_does_not_run() -> None:
    function, gate = _function(concurrency=1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(function.invoke_now, _invocation())
        await anyio.wait_all_tasks_blocked()
        assert await function.invoke_when_free(_invocation(), wait_limit=0.01) is None
        gate.open.set()
    assert gate.started == 1


@pytest.mark.parametrize(
    ("raw", "qualifier", "shown"),
    [
        ("orders", None, ARN),
        ("orders:$LATEST", None, f"{ARN}:$LATEST"),
        ("orders", "$LATEST", f"{ARN}:$LATEST"),
        ("123456789012:function:orders", None, ARN),
        (ARN, None, ARN),
    ],
)
def test_names_partial_and_full_arns_resolve(raw: str, qualifier: str | None, shown: str) -> None:
    function, _ = _function()
    table = FunctionTable([function])
    assert table.resolve(raw, qualifier) == (function, shown)
    assert len(table) == 1 and list(table) == [function] and table.get("orders") is function


@pytest.mark.parametrize(
    ("raw", "qualifier", "status", "words"),
    [
        ("bad name!", None, 400, "'functionName'"),
        ("orders", "bad qualifier!", 400, "'qualifier'"),
        ("orders:1", "2", 400, "does not match"),
        ("nope", None, 404, "function:nope"),
        ("orders:prod", None, 404, "function:orders:prod"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:orders", None, 404, "eu-west-1"),
        ("999999999999:function:orders", None, 404, "999999999999"),
    ],
)
def test_what_does_not_resolve_is_the_service_error_lambda_answers(
    raw: str, qualifier: str | None, status: int, words: str
) -> None:
    function, _ = _function()
    with pytest.raises(ServiceError) as info:
        FunctionTable([function]).resolve(raw, qualifier)
    assert info.value.status == status and words in info.value.message
