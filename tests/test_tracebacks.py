"""``lambent._tracebacks``: exceptions rendered as structlog's
``ExceptionDictTransformer(show_locals=False)`` renders them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from structlog.tracebacks import ExceptionDictTransformer

from lambent._tracebacks import exception_dicts


def _raised(make: Callable[[], object]) -> BaseException:
    try:
        make()
    except BaseException as exc:  # every kind is rendered
        return exc
    raise AssertionError("nothing raised")


def _plain() -> None:
    raise ValueError("bad value")


def _caused() -> None:
    try:
        _plain()
    except ValueError as exc:
        raise RuntimeError("wrapped") from exc


def _context() -> None:
    try:
        _plain()
    except ValueError:
        raise KeyError("during handling")  # noqa: B904 - the implicit context is the case


def _noted() -> None:
    error = TypeError("with notes")
    error.add_note("while handling record 7")
    error.add_note("second note")
    raise error


def _syntax() -> None:
    compile("def broken(:\n", "<handler>", "exec")


def _group() -> None:
    members = [_raised(_plain), _raised(_caused)]
    raise ExceptionGroup("several", [m for m in members if isinstance(m, Exception)])


def _deep(n: int = 80) -> None:
    if n:
        _deep(n - 1)
    raise OverflowError("deep")


@pytest.mark.parametrize(
    "make",
    [_plain, _caused, _context, _noted, _syntax, _group, _deep],
    ids=["plain", "cause", "context", "notes", "syntax", "group", "deep"],
)
def test_exceptions_render_as_structlogs_transformer(make: Callable[[], object]) -> None:
    error = _raised(make)
    want = ExceptionDictTransformer(show_locals=False)((type(error), error, error.__traceback__))
    assert exception_dicts(error) == want


def test_a_deep_stack_keeps_its_ends_and_says_how_many_frames_were_skipped() -> None:
    [stack] = exception_dicts(_raised(_deep))
    frames = stack["frames"]
    assert frames[0]["name"] == "_raised" and frames[-1]["name"] == "_deep"
    assert [f["name"] for f in frames if f["lineno"] == -1] == ["Skipped frames: 32"]
