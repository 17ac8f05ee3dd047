"""Stand-ins for :class:`lambent.Logger` (a bound structlog logger) in tests:
:class:`QuietLogger` drops every line; a test's own logger subclasses it and keeps the
lines it asserts on."""

from __future__ import annotations

from typing import Any, Self


class QuietLogger:
    """Every method of :class:`lambent.Logger`; binding returns the same logger."""

    def bind(self, **new_values: Any) -> Self:
        return self

    def debug(self, event: str | None = None, *args: Any, **kw: Any) -> None: ...
    def info(self, event: str | None = None, *args: Any, **kw: Any) -> None: ...
    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> None: ...
    def error(self, event: str | None = None, *args: Any, **kw: Any) -> None: ...
    def exception(self, event: str | None = None, *args: Any, **kw: Any) -> None: ...
