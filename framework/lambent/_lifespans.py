"""What every lambent command says when the app's lifespan fails.

The lifespan is entered at Init and left at shutdown. Whatever it raises there
(``SystemExit`` and ``KeyboardInterrupt`` too, never a cancellation) is the app's
failure, not the command's: it is named in one line, ``the app's lifespan failed at
startup: RuntimeError: db down``, with the frames of the user's code only
(:func:`lambent._tracebacks.user_trace`), and the command goes on as Lambda would (an
Init error for the invocation that met it) or ends with exit status 1.
"""

from __future__ import annotations

from lambent._errors import describe
from lambent._tracebacks import user_trace

__all__ = ["LifespanCut", "StartupFailed", "failure", "report"]


class StartupFailed(Exception):
    """The app's lifespan raised ``error`` while being entered, carried as an ordinary
    exception (``error`` may be a ``SystemExit``)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(failure("startup", error))
        self.error = error


class LifespanCut(Exception):
    """The app's lifespan did not finish leaving within the shutdown phase's ``limit``
    seconds and was cut off, as Lambda ends an environment whose shutdown overruns."""

    def __init__(self, app: str, limit: float) -> None:
        super().__init__(
            f"{app} took longer than Lambda's {limit:g}s shutdown phase to leave its lifespan; "
            "it was cut off there"
        )


def failure(when: str, exc: BaseException) -> str:
    """``the app's lifespan failed at <when>: Type: message``."""
    return f"the app's lifespan failed at {when}: {describe(exc)}"


def report(prefix: str, when: str, exc: BaseException) -> str:
    """``<prefix>: <failure>`` and, when the user's code has frames in it, the traceback
    of those frames: the lines a command writes on stderr."""
    text = f"{prefix}: {failure(when, exc)}\n"
    frames = user_trace(exc)
    if frames:
        text += "Traceback (most recent call last):\n" + "".join(frames)
    return text
