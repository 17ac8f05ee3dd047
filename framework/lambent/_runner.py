"""The one place that owns the event loop: it lives across warm invocations."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from lambent._errors import ConfigurationError

T = TypeVar("T")


class LoopOwner:
    """Runs coroutines on one event loop, created on first use and kept until closed."""

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise ConfigurationError(
                "app.handler() was called from inside a running event loop; "
                "use `await app.dispatch(event, context)` in async code"
            )
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
