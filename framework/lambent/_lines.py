"""lambent's own JSON lines in Lambda, rendered without structlog (``lambent._fast``:
``direct_logs``): the same keys in the same order as lambent's Lambda logger writes
(:mod:`lambent._logging`), one cached msgspec encoder (which writes the time as
structlog's ISO stamper does), and tracebacks as structlog renders them (made without
importing it). :class:`Lines` gathers the lines of one step (a batch's failures and its
summary) and writes them with one ``write``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextvars import copy_context
from datetime import UTC, datetime
from typing import Any

import msgspec

from lambent._fast import FAST
from lambent._tracebacks import exception_dicts

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


def _now() -> datetime:
    """The current time in UTC, as structlog's ISO stamper reads it."""
    return datetime.now(UTC)


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

    __slots__ = (
        "_context", "_head", "_joins", "_least", "_now", "_own", "_prefix", "_rendered", "_tail"
    )  # fmt: skip

    def __init__(self, name: str, values: Mapping[str, Any] | None) -> None:
        self._head: dict[str, Any] = {"logger": name, **values} if values else {"logger": name}
        self._context = _context_items() if "structlog" in sys.modules else ()
        least = _lambda_level
        self._least = least if least is not None else lambda_level()
        self._now = _now()
        self._rendered: list[bytes] = []
        #: the JSON every line starts with (the head's, open, with the comma that follows)
        #: and ends with (the time, closed): encoded at the first line joined from them
        self._prefix = self._tail = b""
        #: whether lines may be joined at all: nothing from the contextvars, and no key of
        #: the head one a line sets itself (None: not asked yet)
        self._joins: bool | None = None
        #: whether lambent's own lines (:meth:`own`) may be joined without more checks:
        #: nothing from the contextvars, no key of the head one a line sets or one of theirs
        self._own = not self._context and _NOT_IN_HEAD.isdisjoint(self._head)

    def add(self, method: str, event: str, values: Mapping[str, Any]) -> None:
        """One line of ``method``'s level (``"error"``, ...); ``exc_info``: an exception
        whose traceback goes with it.

        A line whose keys are all its own (none of the head's, none the line sets, no
        traceback, nothing from the contextvars) is joined from JSON pieces: the head's
        and the time's encoded once per step, the event and level's once per process, the
        values' (``lambent._fast``: ``joined_lines``); the same bytes as the whole entry
        encoded at once."""
        if _METHOD_LEVELS[method] < self._least:
            return
        joins = self._joins
        if joins is None:
            joins = self._joins = not self._context and _SET_BY_LINE.isdisjoint(self._head)
        if (
            joins
            and FAST.joined_lines
            and _SET_BY_LINE.isdisjoint(values)
            and self._head.keys().isdisjoint(values)
            and self._joined(values, event, method, None)
        ):
            return
        entry = {**self._head, **values}
        entry["event"] = event
        for key, value in self._context:
            entry.setdefault(key, value)
        entry["level"] = method
        entry["timestamp"] = _ENCODE(self._now)[1:-1].decode()  # as structlog's ISO stamper
        error = entry.pop("exc_info", None)
        if error is not None:
            # as structlog's ExceptionDictTransformer(show_locals=False) renders it
            entry["exception"] = exception_dicts(error)
        self._rendered.append(_json_bytes(entry))

    def own(self, method: str, event: str, event_level: bytes, values: Mapping[str, Any]) -> None:
        """:meth:`add` for a line of ``method`` whose keys are lambent's own, none of them
        a key the line sets itself but ``exc_info`` (``OWN_KEYS``), and whose event and
        level's JSON (``event_level``: :func:`event_level` of ``event`` and ``method``)
        the caller made once: joined from pieces without the checks :meth:`add` makes,
        when the head has none of those keys (``lambent._fast``: ``joined_lines``); else
        as :meth:`add` writes it."""
        if self._own and "exc_info" not in values and FAST.joined_lines:
            if _METHOD_LEVELS[method] < self._least:
                return
            if self._joined(values, event, method, event_level):
                return
        self.add(method, event, values)

    def own_all(
        self, method: str, event: str, event_level: bytes, lines: list[dict[str, Any]]
    ) -> None:
        """:meth:`own` for each of ``lines`` (the values of lines of one event and
        level: a batch's failures), in one pass when they can be joined: the level and
        the head checked once, then each line joined from its values' JSON, or written
        by :meth:`add` when it has a traceback (``exc_info``: rendering it costs far
        more than the entry) or a lone surrogate (``lambent._fast``: ``batch_lines``;
        else :meth:`own` line by line)."""
        if not (self._own and FAST.batch_lines and FAST.joined_lines):
            for values in lines:
                self.own(method, event, event_level, values)
            return
        if _METHOD_LEVELS[method] < self._least or not lines:
            return
        if not self._prefix:
            try:
                self._pieces()
            except UnicodeEncodeError:  # the head has a lone surrogate: each line whole
                for values in lines:
                    self.add(method, event, values)
                return
        join = self._join
        for values in lines:
            if "exc_info" not in values:  # a traceback's line: as add() writes it
                try:
                    own = _ENCODE(values)
                except UnicodeEncodeError:  # a lone surrogate: the entry is escaped whole
                    pass
                else:
                    join(own, event_level)
                    continue
            self.add(method, event, values)

    def _joined(
        self, values: Mapping[str, Any], event: str, method: str, event_level: bytes | None
    ) -> bool:
        """Join the line of ``values`` from pieces (``event_level``: None, made here from
        ``event`` and ``method``); False, with nothing written, when a lone surrogate (in
        them or in the head) means the entry must be escaped whole, as :meth:`add` does."""
        try:
            own = _ENCODE(values)
            if event_level is None:
                event_level = _event_level(event, method)
            if not self._prefix:
                self._pieces()
        except UnicodeEncodeError:
            return False
        self._join(own, event_level)
        return True

    def _pieces(self) -> None:
        """Encode the head (open) and the time (closed) every joined line has."""
        # msgspec writes a UTC datetime as structlog's ISO stamper does ("...T12:00:00.123456Z",
        # without the fraction at a whole second)
        self._tail = b',"timestamp":' + _ENCODE(self._now) + b"}"
        self._prefix = _ENCODE(self._head)[:-1] + b","

    def _join(self, own: bytes, event_level: bytes) -> None:
        """The line of the values' JSON ``own`` and ``event_level``, joined from pieces."""
        prefix = self._prefix
        if len(own) > 2:
            self._rendered.append(prefix + own[1:-1] + event_level + self._tail)
        else:  # no values: the head's comma is the event's
            self._rendered.append(prefix[:-1] + event_level + self._tail)

    def write(self) -> None:
        """Write the lines added so far to the current ``sys.stdout``."""
        rendered = self._rendered
        if not rendered:
            return
        rendered.append(b"")  # the last line's line break
        text = b"\n".join(rendered).decode()
        self._rendered = []
        out = sys.stdout
        try:
            out.write(text)
        except UnicodeEncodeError:  # an output that is not UTF-8: escaped, never lost
            encoding = getattr(out, "encoding", None) or "utf-8"
            out.write(text.encode(encoding, "backslashreplace").decode(encoding))
        out.flush()


#: ``,"event":<event>,"level":<method>`` per event and method (lambent's own events: a few)
_EVENT_LEVELS: dict[tuple[str, str], bytes] = {}


def _event_level(event: str, method: str) -> bytes:
    """``,"event":<event>,"level":<method>`` (kept for up to 64 pairs)."""
    key = (event, method)
    found = _EVENT_LEVELS.get(key)
    if found is None:
        found = event_level(event, method)
        if len(_EVENT_LEVELS) < 64:
            _EVENT_LEVELS[key] = found
    return found


def event_level(event: str, method: str) -> bytes:
    """The JSON a line of ``event`` at ``method``'s level has after its values (for
    :meth:`Lines.own`)."""
    return b',"event":' + _ENCODE(event) + _LEVELS_JSON[method]


#: the keys of lambent's own lines (:mod:`lambent._outcomes`): a line sets none of them
#: itself but ``exc_info`` (its traceback), which :meth:`Lines.own` leaves to :meth:`Lines.add`
OWN_KEYS = frozenset(
    {"record_id", "error", "path", "item", "exc_info", "traceback_as", "size", "duration_ms",
     "succeeded", "failed", "skipped", "not_started", "dropped"}
)  # fmt: skip
#: what the head of lines joined by :meth:`Lines.own` has none of
_NOT_IN_HEAD = OWN_KEYS | _SET_BY_LINE
