"""lambent's own JSON lines in Lambda, rendered without structlog (``lambent._fast``:
``direct_logs``): the same keys in the same order as lambent's Lambda logger writes
(:mod:`lambent._logging`), one cached msgspec encoder, the time formatted once a second,
and tracebacks as structlog renders them (made without importing it). :class:`Lines` gathers the lines of one step (a
batch's failures and its summary) and writes them with one ``write``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from contextvars import copy_context
from typing import Any

import msgspec

from lambent._fast import FAST

_LEVELS = {
    "TRACE": 10,
    "DEBUG": 10,
    "INFO": 20,
    "WARN": 30,
    "WARNING": 30,
    "ERROR": 40,
    "FATAL": 50,
}
#: the level of a logger method's lines (``exception`` is an error with a traceback)
_METHOD_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
#: the least level lambent's Lambda logger writes (``AWS_LAMBDA_LOG_LEVEL``, read once)
_lambda_level: int | None = None


def lambda_level() -> int:
    """The least level written inside Lambda (``AWS_LAMBDA_LOG_LEVEL``, default INFO)."""
    global _lambda_level
    if _lambda_level is None:
        _lambda_level = _LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper(), 20)
    return _lambda_level


#: the encoder of every JSON line lambent writes in Lambda (values JSON cannot hold as str)
_ENCODE = msgspec.json.Encoder(enc_hook=str).encode


def _json_dumps(obj: Any, **_: Any) -> str:
    return _json_bytes(obj).decode()


def _json_bytes(obj: Any) -> bytes:
    try:
        return _ENCODE(obj)
    except UnicodeEncodeError:  # a lone surrogate somewhere: write it escaped
        return msgspec.json.encode(_printable(obj), enc_hook=lambda v: _printable(str(v)))


def _printable(value: Any) -> Any:
    """``value`` with every string made writable (see :func:`lambent._errors.printable`)."""
    from lambent._errors import printable

    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


#: the keys a line sets itself (a value of the same key is replaced in place)
_SET_BY_LINE = frozenset({"event", "level", "timestamp", "exception", "exc_info"})
#: ``,"level":"<method>"`` of each method
_LEVELS_JSON = {method: b',"level":' + _ENCODE(method) for method in _METHOD_LEVELS}


def _timestamp() -> str:
    """The current UTC time as structlog's ISO stamper writes it (``...T12:00:00.123456Z``,
    without the fraction at a whole second), the date and time formatted once a second."""
    global _second
    micros = time.time_ns() // 1000
    second = micros // 1_000_000
    cached = _second
    if cached[0] != second:
        from datetime import UTC, datetime

        text = datetime.fromtimestamp(second, tz=UTC).isoformat().replace("+00:00", "")
        cached = _second = (second, text)
    fraction = micros - second * 1_000_000
    return f"{cached[1]}.{fraction:06d}Z" if fraction else f"{cached[1]}Z"


#: the last whole second :func:`_timestamp` formatted, and its text
_second: tuple[int, str] = (-1, "")


def _exception_dict(error: BaseException) -> Any:
    """An exception as lambent's Lambda logger renders it: what structlog's
    ``ExceptionDictTransformer(show_locals=False)`` gives, made without importing
    structlog (:mod:`lambent._tracebacks`)."""
    from lambent._tracebacks import exception_dicts

    return exception_dicts(error)


def _context_items() -> tuple[tuple[str, Any], ...]:
    """What structlog's ``merge_contextvars`` adds to a line: every value bound with
    ``structlog.contextvars`` (a line's own keys win over them)."""
    return tuple(
        (var.name[10:], value)
        for var, value in copy_context().items()
        if var.name.startswith("structlog_") and value is not Ellipsis
    )


class Lines:
    """lambent's own lines of one step (a batch's failures and summary), rendered straight
    to JSON as lambent's Lambda logger renders them (the same keys in the same order) and
    written together: one ``write`` and one ``flush``. What every line shares is worked
    out once: the logger's values, what structlog's contextvars would add (no user code
    runs between the lines), the level filter, the time (the lines are written at once)."""

    __slots__ = ("_context", "_head", "_joins", "_least", "_prefix", "_rendered", "_stamp", "_tail")

    def __init__(self, name: str, values: Mapping[str, Any] | None) -> None:
        self._head: dict[str, Any] = {"logger": name, **values} if values else {"logger": name}
        self._context = _context_items() if "structlog" in sys.modules else ()
        self._least = lambda_level()
        self._stamp = _timestamp()
        self._rendered: list[bytes] = []
        #: the JSON every line starts with (the head's, open) and ends with (the time,
        #: closed): encoded at the first line that is joined from them
        self._prefix = self._tail = b""
        #: whether lines may be joined at all: nothing from the contextvars, and no key of
        #: the head one a line sets itself
        self._joins = not self._context and _SET_BY_LINE.isdisjoint(self._head)

    def add(self, method: str, event: str, values: Mapping[str, Any]) -> None:
        """One line of ``method``'s level (``"error"``, ...); ``exc_info``: an exception
        whose traceback goes with it.

        A line whose keys are all its own (none of the head's, none the line sets, no
        traceback, nothing from the contextvars) is joined from JSON pieces: the head's
        encoded once, the values', the event and level's, the time's (``lambent._fast``:
        ``joined_lines``); the same bytes as the whole entry encoded at once."""
        if _METHOD_LEVELS[method] < self._least:
            return
        if (
            self._joins
            and _SET_BY_LINE.isdisjoint(values)
            and self._head.keys().isdisjoint(values)
            and FAST.joined_lines
        ):
            try:
                own = _ENCODE(values)
                if not self._prefix:
                    self._prefix = _ENCODE(self._head)[:-1]
                    self._tail = b',"timestamp":' + _ENCODE(self._stamp) + b"}"
                event_level = b',"event":' + _ENCODE(event) + _LEVELS_JSON[method]
            except UnicodeEncodeError:  # a lone surrogate: the entry is escaped whole
                pass
            else:
                rest = (b"," + own[1:-1] if len(own) > 2 else b"") + event_level + self._tail
                self._rendered.append(self._prefix + rest)
                return
        entry = {**self._head, **values}
        entry["event"] = event
        for key, value in self._context:
            entry.setdefault(key, value)
        entry["level"] = method
        entry["timestamp"] = self._stamp
        error = entry.pop("exc_info", None)
        if error is not None:
            entry["exception"] = _exception_dict(error)
        self._rendered.append(_json_bytes(entry))

    def write(self) -> None:
        """Write the lines added so far to the current ``sys.stdout``."""
        if not self._rendered:
            return
        text = b"\n".join(self._rendered).decode() + "\n"
        self._rendered.clear()
        out = sys.stdout
        try:
            out.write(text)
        except UnicodeEncodeError:  # an output that is not UTF-8: escaped, never lost
            encoding = getattr(out, "encoding", None) or "utf-8"
            out.write(text.encode(encoding, "backslashreplace").decode(encoding))
        out.flush()
