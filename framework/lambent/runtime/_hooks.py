"""SnapStart hooks: work to do before the snapshot is taken and after it is restored.

``@before_snapshot`` functions run (last registered first) once the Init phase is done,
before lambent asks the Runtime API for ``/restore/next``; ``@after_restore`` functions
run (in order) when the environment is resumed from the snapshot: re-open connections,
re-seed randomness. Plain and ``async def`` functions are both accepted. Hooks
registered with AWS's ``snapshot_restore_py`` run too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[[], Any])

_before: list[Callable[[], Any]] = []
_after: list[Callable[[], Any]] = []


def before_snapshot(function: F) -> F:
    """Register ``function`` to run before the SnapStart snapshot is taken."""
    _before.append(function)
    return function


def after_restore(function: F) -> F:
    """Register ``function`` to run after the environment is restored from the snapshot."""
    _after.append(function)
    return function


def _aws_hooks() -> tuple[list[Any], list[Any]]:
    try:
        from snapshot_restore_py import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            get_after_restore,
            get_before_snapshot,
        )
    except ImportError:
        return [], []
    return list(get_before_snapshot()), list(get_after_restore())


async def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        await result


async def run_before_snapshot() -> None:
    aws_before, _ = _aws_hooks()
    for function in reversed(_before):
        await _call(function)
    for function, args, kwargs in reversed(aws_before):
        await _call(function, *args, **kwargs)


async def run_after_restore() -> None:
    _, aws_after = _aws_hooks()
    for function in _after:
        await _call(function)
    for function, args, kwargs in aws_after:
        await _call(function, *args, **kwargs)
