"""lambent's own JSON lines (:mod:`lambent._lines`): written together, at the Lambda log
level, with the keys structlog's Lambda logger gives them, and tracebacks rendered as
structlog's ``ExceptionDictTransformer`` renders them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
import structlog.tracebacks
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent._lines import Lines


def test_lines_are_written_together_at_the_lambda_log_level(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines below the level are left out; the rest go out in one write, in order, each
    with the logger's values first, then its own, the event, the level and the time."""
    writes: list[str] = []

    class Out:
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr("sys.stdout", Out())
    lines = Lines("lambent", {"aws_request_id": "r-1"})
    lines.add("error", "record failed", {"record_id": "m-1", "error": "ValueError: x"})
    lines.add("debug", "batch processed", {"size": 1})  # below Lambda's default INFO
    lines.add("info", "batch processed", {"size": 2})
    assert writes == []  # nothing until written
    lines.write()
    lines.write()  # nothing more to write
    [text] = writes
    first, second = (json.loads(line) for line in text.splitlines())
    assert list(first) == [
        "logger", "aws_request_id", "record_id", "error", "event", "level", "timestamp"
    ]  # fmt: skip
    assert first["event"] == "record failed" and first["level"] == "error"
    assert second["size"] == 2 and second["level"] == "info"
    assert first["timestamp"].endswith("Z")


def _deep(n: int) -> None:
    if n == 0:
        raise ValueError("deep")
    _deep(n - 1)


def _chained() -> None:
    try:
        _deep(3)
    except ValueError as exc:
        raise KeyError("k") from exc


def _in_handling() -> None:
    try:
        int("x")
    except ValueError:
        raise RuntimeError("while handling")  # noqa: B904 (an implicit context is the point)


def _grouped() -> None:
    errors: list[Exception] = []
    fails: list[Callable[[], None]] = [lambda: _deep(2), _chained]
    for fail in fails:
        try:
            fail()
        except Exception as exc:
            errors.append(exc)
    raise ExceptionGroup("many", errors)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


def _unprintable() -> None:
    raise _Unprintable


def _syntax() -> None:
    compile("x = (", "broken.py", "exec")


def _noted() -> None:
    error = ValueError("noted")
    error.add_note("a note")
    raise error


@pytest.mark.parametrize(
    "fail",
    [lambda: _deep(80), _chained, _in_handling, _grouped, _unprintable, _syntax, _noted],
    ids=["deep", "chained", "in-handling", "group", "unprintable", "syntax", "noted"],
)
def test_lines_render_tracebacks_as_structlogs_transformer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fail: Any
) -> None:
    """A line's traceback, rendered straight to JSON (``Lines``), is what structlog's
    ``ExceptionDictTransformer(show_locals=False)`` gives: chained causes, exception
    groups, syntax errors, notes, an unprintable message, a stack cut to its frame limit."""
    try:
        fail()
    except BaseException as exc:
        error = exc
    lines = Lines("lambent", {"aws_request_id": "r-1"})
    lines.add("error", "record failed", {"record_id": "m-1", "exc_info": error})
    lines.write()
    [line] = capsys.readouterr().out.splitlines()
    transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    expected = transformer((type(error), error, error.__traceback__))
    assert json.loads(line)["exception"] == json.loads(msgspec.json.encode(expected))


_KEYS = st.sampled_from(["record_id", "error", "event", "level", "logger", "aws_request_id",
                         "size", "exc_info", "timestamp", "exception", "é", "\ud800"])  # fmt: skip
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=8), st.lists(st.integers(), max_size=2))  # fmt: skip


def _lines_of(
    events: st.SearchStrategy[str], keys: st.SearchStrategy[str]
) -> st.SearchStrategy[list[tuple[str, str, dict[str, Any]]]]:
    """Up to three lines: a method, one of ``events``, values under ``keys``."""
    methods = st.sampled_from(["debug", "info", "error"])
    values = st.dictionaries(keys, _VALUES, max_size=4)
    return st.lists(st.tuples(methods, events, values), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    head=st.dictionaries(_KEYS, _VALUES, max_size=4), lines=_lines_of(st.text(max_size=6), _KEYS)
)
def test_joined_lines_are_the_lines_encoded_whole(
    head: dict[str, Any], lines: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """Lines joined from JSON pieces (``joined_lines``) are byte for byte the lines the
    general path encodes whole: also when keys overlap the head's or those a line sets,
    and with text that has a lone surrogate."""

    def write(rendered: Lines, general: bool) -> None:
        for method, event, values in lines:
            rendered.add(method, event, {k: v for k, v in values.items() if k != "exc_info"})

    fast, general = _fast_and_general(head, write)
    assert fast == general


def _fast_and_general(head: dict[str, Any], write: Callable[[Lines, bool], None]) -> list[str]:
    """What ``write(lines, general)`` writes through a :class:`Lines` of ``head`` (without
    ``exc_info``) with the fast paths, then on the general path, at the same time."""
    from datetime import UTC, datetime

    from lambent._fast import general_path

    written = []
    stamp = datetime.now(UTC)
    for general in (False, True):
        out = _Out()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdout", out)
            patch.setattr("lambent._lines._now", lambda: stamp)
            with contextlib.ExitStack() as stack:
                if general:
                    stack.enter_context(general_path())
                rendered = Lines("lambent", {k: v for k, v in head.items() if k != "exc_info"})
                write(rendered, general)
                rendered.write()
        written.append(out.text)
    return written


_OWN_KEYS = st.sampled_from(["record_id", "error", "path", "item", "traceback_as", "size",
                             "duration_ms", "succeeded", "failed", "dropped"])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    head=st.dictionaries(_KEYS, _VALUES, max_size=4),
    lines=_lines_of(st.sampled_from(["record failed", "batch processed", "é\ud800"]), _OWN_KEYS),
)
def test_own_lines_are_the_lines_added_on_the_general_path(
    head: dict[str, Any], lines: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """lambent's own lines joined from pieces made once (``Lines.own``, ``joined_lines``)
    are byte for byte the lines :meth:`Lines.add` writes on the general path: also when
    the head has one of their keys or a key a line sets, and with a lone surrogate."""
    from lambent._lines import event_level

    def write(rendered: Lines, general: bool) -> None:
        for method, event, values in lines:
            try:
                joined = b"" if general else event_level(event, method)
            except UnicodeEncodeError:  # what the caller makes once cannot hold it
                joined = b""
            if joined:
                rendered.own(method, event, joined, values)
            else:
                rendered.add(method, event, values)

    fast, general = _fast_and_general(head, write)
    assert fast == general


def _surrogate() -> None:
    raise ValueError("bad \ud800 text")


#: exceptions a batch's failure lines may carry (``exc_info``): their tracebacks rendered
_ERRORS = st.sampled_from([lambda: _deep(2), _chained, _unprintable, _noted, _surrogate])


@settings(max_examples=200, deadline=None)
@given(
    head=st.dictionaries(_KEYS, _VALUES, max_size=4),
    lines=st.lists(
        st.tuples(st.dictionaries(_OWN_KEYS, _VALUES, max_size=4), st.none() | _ERRORS),
        max_size=4,
    ),
    method=st.sampled_from(["debug", "info", "error"]),
)
def test_a_batch_of_own_lines_is_the_lines_added_on_the_general_path(
    head: dict[str, Any], lines: list[tuple[dict[str, Any], Any]], method: str
) -> None:
    """A batch's failure lines joined in one pass (``Lines.own_all``, ``batch_lines``),
    lines with a traceback among them, are byte for byte the lines :meth:`Lines.add`
    writes one by one on the general path: also when the head has one of their keys or a key a line sets, and with
    a lone surrogate in a value, the head or an exception's message."""
    from lambent._lines import event_level

    batch: list[dict[str, Any]] = []
    for values, fail in lines:
        if fail is not None:
            try:
                fail()
            except Exception as exc:
                values = {**values, "exc_info": exc}
        batch.append(values)

    def write(rendered: Lines, general: bool) -> None:
        joined = event_level("record failed", method)
        rendered.own_all(method, "record failed", joined, [dict(v) for v in batch])

    fast, general = _fast_and_general(head, write)
    assert fast == general
    assert general.count("\n") == (len(batch) if method != "debug" else 0)


def test_an_own_line_with_a_traceback_is_written_as_added(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``exc_info`` in an own line's values: its traceback rendered, as ``add`` renders it."""
    from lambent._lines import event_level

    try:
        _deep(1)
    except ValueError as exc:
        error = exc
    lines = Lines("lambent", {"aws_request_id": "r-1"})
    values = {"record_id": "m-1", "exc_info": error}
    lines.own("error", "record failed", event_level("record failed", "error"), dict(values))
    lines.add("error", "record failed", dict(values))
    lines.write()
    own, added = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert own == added and own["exception"][0]["exc_value"] == "deep"


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass
