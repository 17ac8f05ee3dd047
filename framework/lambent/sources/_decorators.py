"""App decorators that sources contribute (``app.cognito``, ``app.appsync``, ...).

:class:`lambent.App` inherits :class:`SourceRoutes`. Each method is a typed front for
``app.on(kind, filters=...)``: the filters go to the source module's ``route_filter``,
which owns their meaning, so a new source adds its decorator here without touching the
core. This module imports no source module (``import lambent`` stays cheap).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

OnDecodeError = Literal["fail", "drop"]


class _On(Protocol):
    def __call__(
        self,
        kind: str,
        *,
        filters: Mapping[str, Any] | None = None,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
    ) -> Callable[[F], F]: ...


class SourceRoutes:
    """The decorators of sources that bring their own (each forwards to ``app.on``)."""

    on: _On
