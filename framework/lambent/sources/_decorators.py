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

    def cognito(self, trigger: str | None = None, *, threaded: bool = False) -> Callable[[F], F]:
        """Handle a Cognito user-pool trigger: a trigger name (``"PreSignUp"``, every
        ``PreSignUp_*`` source; ``"PreTokenGeneration"``), one ``triggerSource``
        (``"PreSignUp_SignUp"``) or a glob; ``None``: any. The handler's payload is the
        event's ``request``; what it returns fills ``response`` in the echoed event."""
        return self.on("cognito", filters={"trigger": trigger}, threaded=threaded)

    def appsync(
        self,
        type_name: str | None = None,
        field_name: str | None = None,
        *,
        concurrency: int | None = None,
        threaded: bool = False,
    ) -> Callable[[F], F]:
        """Resolve the GraphQL field ``type_name.field_name`` (globs allowed; ``None``: any)
        as an AppSync direct Lambda resolver, single or ``BatchInvoke``. The handler's
        payload is ``arguments``; its return value is the field's value."""
        return self.on(
            "appsync",
            filters={"type_name": type_name, "field_name": field_name},
            concurrency=concurrency,
            threaded=threaded,
        )
