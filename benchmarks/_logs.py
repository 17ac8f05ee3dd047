"""Logging set up as in Lambda, but written to /dev/null.

lambent logs each failed record (with its traceback) and a summary line per
batch; in Lambda those lines go to stdout as JSON. The benchmarks keep that cost
(the same processors, rendering included) without flooding the terminal.
Powertools logs nothing for failed records unless given a logger, so it is left as is.

One difference from lambent's own Lambda logger: frame locals are left out of
tracebacks (see ``quiet_like_lambda``).
"""

from __future__ import annotations

import logging
import os


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
        logger_factory=structlog.WriteLoggerFactory(
            file=open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        ),
        cache_logger_on_first_use=True,
    )
