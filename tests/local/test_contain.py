"""A handler's ``SystemExit`` or ``KeyboardInterrupt`` kept inside its invocation
(lambent._local.contain): tasks created in the handler's scope carry them as an ordinary
exception, and ``original`` finds the handler's own exception again."""

from __future__ import annotations

import asyncio
import sys

import anyio
import pytest

from lambent._local.contain import HandlerExit, handler_scope, original


async def _exits() -> None:
    await anyio.lowlevel.checkpoint()
    sys.exit(3)


async def test_a_task_that_exits_inside_the_scope_raises_an_ordinary_exception() -> None:
    with handler_scope():
        with pytest.raises(BaseExceptionGroup) as info:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_exits)
    found = original(info.value)
    assert isinstance(found, SystemExit) and found.code == 3
    (inner,) = info.value.exceptions
    assert isinstance(inner, HandlerExit) and str(inner) == "SystemExit: 3"


async def test_outside_the_scope_tasks_are_left_alone() -> None:
    task = asyncio.get_running_loop().create_task(asyncio.sleep(0, "plain"))
    assert await task == "plain"
    with handler_scope():
        inside = asyncio.get_running_loop().create_task(asyncio.sleep(0, "inside"))
    assert await inside == "inside"  # contained tasks still return what the coroutine does


def test_original_unwraps_groups_of_one_and_nothing_else() -> None:
    cause = KeyboardInterrupt()
    wrapped = HandlerExit("KeyboardInterrupt: ")
    wrapped.__cause__ = cause
    assert original(BaseExceptionGroup("g", [ExceptionGroup("h", [wrapped])])) is cause
    two = ExceptionGroup("g", [ValueError(), KeyError()])
    assert original(two) is two
    lone = HandlerExit("no cause")
    assert original(lone) is lone
