"""Structured logs with structlog, configured for Lambda only when the user has not.

* Nothing is configured, or even imported, when ``lambent`` is imported.
* A user's own structlog configuration always wins: when ``structlog.is_configured()``
  lambent logs through it.
* Otherwise, inside Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set), lambent's loggers
  write one JSON object a line to stdout; outside Lambda structlog's defaults apply.
* Each invocation binds ``aws_request_id``, ``function_name``, ``cold_start`` and
  ``source`` with structlog's contextvars; a record's logger adds ``record_id``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Logger(Protocol):
    """What a handler gets when it declares a logger: a bound structlog logger."""

    def bind(self, **new_values: Any) -> Logger: ...
    def debug(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def info(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def error(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def exception(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...


_LEVELS = {
    "TRACE": 10,
    "DEBUG": 10,
    "INFO": 20,
    "WARN": 30,
    "WARNING": 30,
    "ERROR": 40,
    "FATAL": 50,
}
_lambda_logger: Any = None


def _json_dumps(obj: Any, **_: Any) -> str:
    import msgspec

    return msgspec.json.encode(obj, enc_hook=str).decode()


class _Stdout:
    """Writes rendered lines to the *current* ``sys.stdout`` (which tests may swap)."""

    def msg(self, message: str) -> None:
        out = sys.stdout
        out.write(message + "\n")
        out.flush()

    def __getattr__(self, name: str) -> Any:
        return self.msg


def _lambda_json_logger() -> Any:
    global _lambda_logger
    if _lambda_logger is None:
        import structlog
        import structlog.tracebacks

        level = _LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper(), 20)
        _lambda_logger = structlog.wrap_logger(
            _Stdout(),
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
                # tracebacks as data, without frame locals: those would copy whole events
                # (and any secret in them) into the logs, and cost more than the batch
                structlog.processors.ExceptionRenderer(
                    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                ),
                structlog.processors.JSONRenderer(serializer=_json_dumps),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(level),
        )
    return _lambda_logger


def in_lambda() -> bool:
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def get_logger(name: str = "lambent") -> Logger:
    """The logger lambent uses and injects (see the module docstring for which)."""
    import structlog

    if not structlog.is_configured() and in_lambda():
        logger: Logger = _lambda_json_logger().bind(logger=name)
        return logger
    proxy: Logger = structlog.get_logger(name)
    return proxy


def bind_invocation(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Bind per-invocation context; returns tokens for :func:`unbind_invocation`."""
    import structlog

    return structlog.contextvars.bind_contextvars(**values)


def unbind_invocation(tokens: Mapping[str, Any]) -> None:
    import structlog

    structlog.contextvars.reset_contextvars(**tokens)
