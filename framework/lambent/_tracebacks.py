"""An exception as the data lambent's Lambda logger writes under ``exception``, made
without importing structlog.

lambent's Lambda logger renders tracebacks with structlog's
``ExceptionDictTransformer(show_locals=False)``; lambent's own lines, written straight to
JSON (:mod:`lambent._lines`), carry the same data: one dict per exception of the chain,
the raised one first, then its ``__cause__`` (``is_cause``) or, unless suppressed, its
``__context__``, each exception once; an exception group's members as lists of their
own; a syntax error's position; the frames of each, the innermost last, cut to
:data:`MAX_FRAMES` around a marker frame on the chain itself (not inside groups).
``tests/test_lines.py`` compares it with structlog's transformer.

Made here rather than by structlog's ``extract`` so that a failure logged by lambent does
not import structlog: whether structlog is imported is what tells lambent that code of
the app may log through it, and so whether each invocation binds its log values in
structlog's context variables (:func:`lambent._logging.invocation_logger`).
"""

from __future__ import annotations

import os.path
from types import TracebackType
from typing import Any

__all__ = ["MAX_FRAMES", "exception_dicts", "user_trace"]

#: the frames kept of one exception's stack (structlog's default ``max_frames``)
MAX_FRAMES = 50

#: the files of lambent's plumbing between a command and the app's code: the runtime, the
#: loop-free stepping, the app's lifespan handling, ``lambent poll``, the local Lambda,
#: ``lambent dev`` and the CLI (a lifespan lambent ships, ``lambent.aws.lifespan``, is not)
PLUMBING = tuple(
    os.sep + os.path.join("lambent", *part.split("/"))
    for part in ("runtime/", "_runtime.py", "_app.py", "poll/", "_local/", "_dev/", "_cli/")
)


def exception_dicts(error: BaseException) -> list[dict[str, Any]]:
    """``error`` and the exceptions chained to it, as the transformer gives them."""
    stacks = _chain(type(error), error, error.__traceback__, set())
    half = MAX_FRAMES // 2
    for stack in stacks:
        frames = stack["frames"]
        if len(frames) > MAX_FRAMES:
            marker = {
                "filename": "",
                "lineno": -1,
                "name": f"Skipped frames: {len(frames) - 2 * half}",
            }
            frames[:] = [*frames[:half], marker, *frames[-half:]]
    return stacks


def _text(value: Any) -> str:
    """``str(value)``, or a placeholder naming why it has none."""
    try:
        return str(value)
    except Exception as error:  # a message must never fail a log line
        return f"<str-error {str(error)!r}>"


#: an absolute file name of a frame as ``os.path.abspath`` gives it (normalised)
_ABSOLUTE: dict[str, str] = {}


def _absolute(filename: str) -> str:
    """``os.path.abspath(filename)``; kept for file names that are absolute already, whose
    answer does not depend on the working directory (up to 1,024 of them)."""
    found = _ABSOLUTE.get(filename)
    if found is None:
        found = os.path.abspath(filename)
        if os.path.isabs(filename) and len(_ABSOLUTE) < 1024:
            _ABSOLUTE[filename] = found
    return found


def _chain(
    kind: type[BaseException],
    error: BaseException,
    trace: TracebackType | None,
    seen: set[int],
) -> list[dict[str, Any]]:
    stacks: list[dict[str, Any]] = []
    is_cause = False
    while id(error) not in seen:
        seen.add(id(error))
        stack: dict[str, Any] = {
            "exc_type": _text(kind.__name__),
            "exc_value": _text(error),
            "exc_notes": [_text(note) for note in getattr(error, "__notes__", ())],
            "syntax_error": None,
            "is_cause": is_cause,
            "frames": [],
            "is_group": False,
            "exceptions": [],
        }
        if isinstance(error, BaseExceptionGroup):
            stack["is_group"] = True
            stack["exceptions"] = [
                _chain(type(member), member, member.__traceback__, seen)
                for member in error.exceptions
            ]
        if isinstance(error, SyntaxError):
            stack["syntax_error"] = {
                "offset": error.offset or 0,
                "filename": error.filename or "?",
                "line": error.text or "",
                "lineno": error.lineno or 0,
                "msg": error.msg,
            }
        stacks.append(stack)
        frames = stack["frames"]
        while trace is not None:  # the frames, outermost first (as traceback.walk_tb)
            code = trace.tb_frame.f_code
            filename = code.co_filename
            if filename and not filename.startswith("<"):
                filename = _absolute(filename)
            frames.append(
                {"filename": filename or "?", "lineno": trace.tb_lineno, "name": code.co_name}
            )
            trace = trace.tb_next
        cause = getattr(error, "__cause__", None)
        if cause and cause.__traceback__:
            kind, error, trace, is_cause = cause.__class__, cause, cause.__traceback__, True
            continue
        cause = error.__context__
        if cause and cause.__traceback__ and not getattr(error, "__suppress_context__", False):
            kind, error, trace, is_cause = cause.__class__, cause, cause.__traceback__, False
            continue
        break
    return stacks


def user_trace(exc: BaseException) -> list[str]:
    """The frames of ``exc``'s traceback in the user's code, formatted as
    ``traceback.format_list`` does: lambent's plumbing (:data:`PLUMBING`) and
    :mod:`contextlib`'s left out wherever they are (a lifespan is entered and left through
    all of them)."""
    import contextlib
    import traceback  # only for errors: a cold start without one does not load it

    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not any(part in frame.filename for part in PLUMBING)
        and frame.filename != contextlib.__file__
    ]
    return traceback.format_list(frames)
