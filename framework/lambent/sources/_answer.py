"""Helpers for sources that build their own answer (``SourceSpec.answer``): failures and
results made safe to send, whatever a handler raised or returned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lambent._errors import HandlerError, describe, printable

__all__ = ["describe", "handler_name", "json_value", "own_error", "printable"]


def handler_name(kind: str, filters: Mapping[str, Any]) -> str:
    """How messages name the route that ran an item: ``cognito route (trigger='X')``."""
    shown = ", ".join(f"{k}={v!r}" for k, v in filters.items())
    return f"{kind} route" + (f" ({shown})" if shown else "")


def own_error(error: BaseException, handler: str) -> Exception:
    """What an answer raises for a failed single item: the handler's own ``Exception`` as
    it is (Lambda reports it, the service shows its message); a ``BaseException`` that is
    not one (``SystemExit``, ...) as a :class:`HandlerError` naming the handler."""
    if isinstance(error, Exception):
        return error
    wrapped = HandlerError(handler, f"raised {describe(error)}")
    wrapped.__cause__ = error
    return wrapped


def json_value(value: Any, handler: str) -> Any:
    """A handler's result as JSON-ready builtins, or a :class:`HandlerError` naming the
    handler when it cannot be sent."""
    try:
        return msgspec.to_builtins(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise HandlerError(
            handler, f"returned a value that cannot be sent as JSON: {describe(exc)}"
        ) from exc
