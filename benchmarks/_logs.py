"""Logging set up as in Lambda, but written to a line counter instead of stdout.

lambent logs with structlog: a JSON line per failed record (with its traceback)
and per batch summary; in Lambda those lines go to stdout. The peers log through
the standard library's ``logging``, to which Lambda's runtime attaches a handler
on the root logger at WARNING. The benchmarks keep both costs (the same
processors, formatting and rendering included) and count the lines each side
writes, so every table states the logging each side did.

One difference from lambent's own Lambda logger: frame locals are left out of
tracebacks (see ``quiet_like_lambda``).
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
    import structlog
    import structlog.tracebacks

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            # tracebacks as dicts, without the frames' local variables: with them
            # (structlog's default) every failed record's line reprs the whole event
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.WriteLoggerFactory(file=SINK),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # what Lambda's Python runtime does for the standard library's loggers
    handler = logging.StreamHandler(SINK)  # type: ignore[arg-type]
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
