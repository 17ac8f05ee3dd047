"""Structured logs with structlog, configured for Lambda only when the user has not.

* Nothing is configured, or even imported, when ``lambent`` is imported.
* A user's own structlog configuration always wins: when ``structlog.is_configured()``
  lambent logs through it.
* Otherwise, inside Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set), lambent's loggers
  write one JSON object a line to stdout; outside Lambda structlog's defaults apply.
* Each invocation binds ``aws_request_id``, ``function_name``, ``cold_start`` and
  ``source`` with structlog's contextvars; a record's logger adds ``record_id``.
* Lazily: lambent's own logger is a :class:`LazyLogger`, which resolves (and imports
  structlog) only when something is logged. When structlog is not imported yet as an
  invocation starts, nothing can log through it but lambent's loggers, so the invocation's
  values are bound on those loggers instead of the contextvars: an invocation that logs
  nothing (a successful HTTP request) pays nothing for logging and never imports
  structlog (nor, through it, asyncio).
* lambent's own lines (a failed record, a batch summary, a failed request: everything
  written through :func:`emit`) skip structlog when lambent's Lambda logger would
  write them (inside Lambda, structlog not configured by the user): they are rendered
  straight into the same JSON line, with the same keys in the same order
  (:mod:`lambent._lines`; ``lambent._fast``: ``direct_logs``): a traceback from
  structlog's own ``extract`` (imported then), in the dicts its
  ``ExceptionDictTransformer`` gives; a batch's lines written together
  (:meth:`LazyLogger.lines`). A user's structlog configuration (and ``capture_logs``)
  sees every line, as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from contextvars import Context, ContextVar, Token, copy_context
from typing import Any, Protocol, runtime_checkable

from lambent._fast import FAST
from lambent._lines import (
    _METHOD_LEVELS,
    Lines,
    _json_dumps,
    _printable,
    lambda_level,
)


@runtime_checkable
class Logger(Protocol):
    """What a handler gets when it declares a logger: a bound structlog logger."""

    def bind(self, **new_values: Any) -> Logger: ...
    def debug(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def info(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def error(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...
    def exception(self, event: str | None = None, *args: Any, **kw: Any) -> Any: ...


_lambda_logger: Any = None


def emit(log_method: Any, event: str, /, **values: Any) -> None:
    """``log_method(event, **values)`` (a logger's ``error``, ``warning``, ...), which never
    fails: should the output refuse the text (a lone surrogate from an event cannot be
    written as UTF-8), the line is logged again with every text escaped and the
    traceback as text."""
    try:
        owner = getattr(log_method, "__self__", None)
        if type(owner) is LazyLogger and owner._direct(log_method.__name__, event, values):
            return
        log_method(event, **values)
    except UnicodeEncodeError:
        import traceback

        error = values.pop("exc_info", None)
        if isinstance(error, BaseException):
            values["traceback"] = "".join(traceback.format_exception(error))
        log_method(event, **_printable(values))


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

        level = lambda_level()
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
    """Whether ``AWS_LAMBDA_FUNCTION_NAME`` is set, read at each call (tests change it).

    Called once or twice per invocation that logs; the lookup goes through ``os.environ``
    as a mapping (about 1 µs: its key encoded, its value decoded). A cache keyed on
    something cheap (the number of variables) would miss one variable removed and another
    added between two calls, ``os.environ`` offers no public marker of change, and its
    storage is CPython's private attribute, so none is kept."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") is not None


def _lambda_logger_writes() -> bool:
    """Whether lambent's own Lambda JSON logger writes lambent's lines (see
    :func:`get_logger`): inside Lambda, and structlog not configured by the user."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") is None:  # in_lambda(), one call less
        return False
    structlog = sys.modules.get("structlog")
    return structlog is None or not structlog.is_configured()


def _structlog() -> Any:
    """``structlog``, imported on first use (``import lambent`` must not import it)."""
    global _structlog_module
    if _structlog_module is None:
        import structlog
        import structlog.contextvars

        _structlog_module = structlog
    return _structlog_module


_structlog_module: Any = None
#: per logger name: (the Lambda JSON logger it was bound from, the bound logger)
_json_loggers: dict[str, tuple[Any, Logger]] = {}
#: per logger name: a structlog lazy proxy and its attributes when it was made
_proxies: dict[str, tuple[Any, dict[str, Any]]] = {}


def get_logger(name: str = "lambent") -> Logger:
    """The logger lambent uses and injects (see the module docstring for which).

    Called once per invocation, so what can be reused is: a bound structlog logger is
    immutable, and a lazy proxy from ``structlog.get_logger`` reads the configuration
    each time it is used, until ``cache_logger_on_first_use`` pins it to one (by setting
    an attribute on it); a pinned proxy is replaced, as a fresh one was made per
    invocation before, so a later ``structlog.configure`` still applies.
    """
    structlog = _structlog()
    if not structlog.is_configured() and in_lambda():
        base = _lambda_json_logger()
        bound = _json_loggers.get(name)
        if bound is None or bound[0] is not base:
            bound = _json_loggers[name] = (base, base.bind(logger=name))
        return bound[1]
    entry = _proxies.get(name)
    if entry is None or vars(entry[0]) != entry[1]:
        proxy = structlog.get_logger(name)
        entry = _proxies[name] = (proxy, dict(vars(proxy)))
    logger: Logger = entry[0]
    return logger


#: structlog's context variable behind each key lambent binds (``structlog_<key>``)
_context_vars: dict[str, ContextVar[Any]] = {}


def bind_invocation(values: Mapping[str, Any]) -> tuple[Token[Any], ...]:
    """Bind per-invocation context; returns tokens for :func:`unbind_invocation`.

    The first binding of a key goes through ``structlog.contextvars.bind_contextvars``
    (which owns the variables ``merge_contextvars`` reads); later ones set the variable
    it made directly, skipping its per-call lookups.
    """
    tokens: list[Token[Any]] = []
    for key, value in values.items():
        var = _context_vars.get(key)
        if var is None:
            token = _structlog().contextvars.bind_contextvars(**{key: value})[key]
            _context_vars[key] = token.var
        else:
            token = var.set(value)
        tokens.append(token)
    return tuple(tokens)


class LazyLogger:
    """A logger resolved on first use (see the module docstring); ``values`` are bound on
    it then (the invocation's context when the contextvars do not carry it)."""

    __slots__ = ("_logger", "_name", "_values", "_writes")

    def __init__(self, name: str, values: Mapping[str, Any] | None = None) -> None:
        self._name = name
        self._values = values
        self._logger: Any = None
        #: whether lambent's lines go straight to JSON (decided at the first line)
        self._writes: bool | None = None

    def _get(self) -> Any:
        logger = self._logger
        if logger is None:
            logger = get_logger(self._name)
            if self._values:
                logger = logger.bind(**self._values)
            self._logger = logger
        return logger

    def bind(self, **new_values: Any) -> Logger:
        values = {**self._values, **new_values} if self._values else new_values
        return LazyLogger(self._name, values)

    def drops(self, method: str) -> bool:
        """Whether a line of ``method`` (``"debug"``, ...) would be written nowhere:
        lambent's Lambda logger writes it straight to JSON and its level is below the
        Lambda log level (then the caller need not even gather the line's values)."""
        direct = self._writes
        if direct is None:  # decided at the first line of the logger (one invocation)
            direct = self._writes = FAST.direct_logs and _lambda_logger_writes()
        return direct and _METHOD_LEVELS[method] < lambda_level()

    def lines(self) -> Lines | None:
        """A :class:`Lines` for lambent's own lines, when lambent's Lambda logger would
        write them (decided at the first line of the logger: one invocation); else None
        (they go through structlog)."""
        direct = self._writes
        if direct is None:
            direct = self._writes = FAST.direct_logs and _lambda_logger_writes()
        return Lines(self._name, self._values) if direct else None

    def _direct(self, method: str, event: str, values: dict[str, Any]) -> bool:
        """Write one of lambent's own lines as lambent's Lambda logger would, without
        structlog; False (nothing written) when that logger would not write it."""
        error = values.get("exc_info")
        if method not in _METHOD_LEVELS or not (error is None or isinstance(error, BaseException)):
            return False
        lines = self.lines()
        if lines is None:
            return False
        lines.add(method, event, values)
        lines.write()
        return True

    def debug(self, event: str | None = None, *args: Any, **kw: Any) -> Any:
        return self._get().debug(event, *args, **kw)

    def info(self, event: str | None = None, *args: Any, **kw: Any) -> Any:
        return self._get().info(event, *args, **kw)

    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> Any:
        return self._get().warning(event, *args, **kw)

    def error(self, event: str | None = None, *args: Any, **kw: Any) -> Any:
        return self._get().error(event, *args, **kw)

    def exception(self, event: str | None = None, *args: Any, **kw: Any) -> Any:
        return self._get().exception(event, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __repr__(self) -> str:
        return f"LazyLogger({self._name!r}, {self._values!r})"


def invocation_logger(
    name: str, values: Mapping[str, Any]
) -> tuple[Logger, tuple[Token[Any], ...]]:
    """The logger of one invocation and the tokens to unbind its context with.

    The values go into structlog's contextvars when structlog is imported (a handler
    may log through it directly), else onto the lazy logger only."""
    if "structlog" in sys.modules:
        return LazyLogger(name), bind_invocation(values)
    return LazyLogger(name, values), ()


#: True only in a context made by :func:`invocation_context`
OWNED: ContextVar[bool] = ContextVar("lambent_invocations_only", default=False)


def invocation_context() -> Context:
    """A context for a loop that runs invocations one after another and nothing else in
    it (``lambent.runtime``'s loop-free loop): a copy of the current one, marked so that
    an invocation's log values may stay bound in it once the invocation ends (each is set
    again only when it changes; nothing outside the context sees them). Every invocation
    runs in the one context, so what a handler sets in it persists, as in the event
    loop's one context (:class:`lambent._runtime.LoopOwner`)."""
    context = copy_context()
    context.run(OWNED.set, True)
    return context


def unbind_invocation(tokens: Sequence[Token[Any]]) -> None:
    """Restore what :func:`bind_invocation` changed."""
    for token in reversed(tokens):
        token.var.reset(token)
