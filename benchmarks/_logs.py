"""Logging set up as in Lambda, but written to a line counter instead of stdout.

lambent logs as it does inside Lambda with structlog left unconfigured (its default):
its own Lambda logger writes one JSON line per failed record (the first failure of each
exception site with its traceback) and a batch summary (at INFO when a record did not
succeed, else at DEBUG, which Lambda's default level leaves out), to standard output.
Here ``AWS_LAMBDA_FUNCTION_NAME`` is set and standard output is the line counter for
the whole run (progress and the table go to the real one). The peers log through the
standard library's ``logging``, to which Lambda's runtime attaches a handler on the root
logger at WARNING; the benchmarks do the same, writing to the same counter, and count
the lines each side writes, so every table states the logging each side did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable


class LineCounter:
    """A write-only text sink that counts the lines written to it."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass


SINK = LineCounter()


def quiet_like_lambda() -> None:
    import os
    import sys

    # lambent's default inside Lambda: its own JSON lines on stdout (structlog is left
    # unconfigured, as a user who does not configure it leaves it)
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", "lambent-bench")
    sys.stdout = SINK
    # what Lambda's Python runtime does for the standard library's loggers
    handler = logging.StreamHandler(SINK)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def lines_logged(fn: Callable[[], object]) -> int:
    """How many log lines one call of ``fn`` writes (both logging stacks)."""
    before = SINK.lines
    fn()
    return SINK.lines - before


def logged(counts: dict[str, int]) -> str:
    """``log lines per call: lambent 2, floor 0, ...`` for a row's note."""
    return "log lines per call: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
