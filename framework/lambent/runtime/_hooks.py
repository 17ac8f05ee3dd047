"""SnapStart hooks: work to do before the snapshot is taken and after it is restored.

``@before_snapshot`` functions run (last registered first) once the Init phase is done,
before lambent asks the Runtime API for ``/restore/next``; ``@after_restore`` functions
run (in order) when the environment is resumed from the snapshot: re-open connections,
re-seed randomness. Plain and ``async def`` functions are both accepted. Hooks
registered with AWS's ``snapshot_restore_py`` run too, and lambent's are registered there
as well, so awslambdaric runs them when it runs the function.
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
    _register_with_aws("register_before_snapshot", function)
    return function


def after_restore(function: F) -> F:
    """Register ``function`` to run after the environment is restored from the snapshot."""
    _after.append(function)
    _register_with_aws("register_after_restore", function)
    return function


class _ForAwslambdaric:
    """A hook of lambent's as AWS's registry holds it, for awslambdaric (the managed
    runtime without the layer's wrapper, or ``LAMBENT_RUNTIME=awslambdaric``), which runs
    only that registry's hooks and awaits nothing: an ``async def`` hook runs on an event
    loop of its own there. ``lambent.runtime`` runs lambent's hooks itself and skips these."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function

    def __call__(self) -> None:
        result = self.function()
        if inspect.isawaitable(result):
            import anyio

            async def finish() -> None:
                await result

            anyio.run(finish)


def _register_with_aws(register: str, function: Callable[[], Any]) -> None:
    """Register ``function`` with AWS's ``snapshot_restore_py`` too, when it is there (the
    managed Python runtime ships it): without it, awslambdaric never ran lambent's hooks."""
    try:
        import snapshot_restore_py  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return
    getattr(snapshot_restore_py, register)(_ForAwslambdaric(function))


def _aws_hooks() -> tuple[list[Any], list[Any]]:
    """The hooks registered with AWS's ``snapshot_restore_py``, but lambent's own."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            get_after_restore,
            get_before_snapshot,
        )
    except ImportError:
        return [], []
    return _theirs(get_before_snapshot()), _theirs(get_after_restore())


def _theirs(hooks: list[Any]) -> list[Any]:
    return [hook for hook in hooks if not isinstance(hook[0], _ForAwslambdaric)]


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
