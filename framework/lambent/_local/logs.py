"""Per-invocation log capture and the ``X-Amz-Log-Result`` tail.

Each invocation writes into its own :class:`LogBuffer`: ``START``, whatever the function
printed or logged, ``END`` and ``REPORT``, as Lambda's log stream shows them. In-process
handlers are captured by swapping ``sys.stdout``/``sys.stderr`` for :class:`_Tee`
streams that look up the current buffer in a context variable (set in the worker thread
or task that runs the handler), so concurrent invocations never mix their lines. Worker
processes are captured by :mod:`lambent._local.worker`, which feeds their pipes in here.
"""

from __future__ import annotations

import base64
import contextvars
import io
import logging
import math
import resource
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from lambent._local.model import LOG_TAIL_BYTES

_current: contextvars.ContextVar[LogBuffer | None] = contextvars.ContextVar(
    "lambent_local_log", default=None
)


class LogBuffer:
    """The log lines of one invocation."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self._parts: list[str] = []
        self._closed = False

    def write(self, text: str) -> None:
        if not self._closed:
            self._parts.append(text)

    def start(self, version: str) -> None:
        self.write(f"START RequestId: {self.request_id} Version: {version}\n")

    def finish(self, duration_ms: float, memory_mb: int, status: str | None = None) -> None:
        used = max(1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        self.write(f"END RequestId: {self.request_id}\n")
        report = (
            f"REPORT RequestId: {self.request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {memory_mb} MB\t"
            f"Max Memory Used: {min(used, memory_mb)} MB\t"
        )
        if status:
            report += f"Status: {status}\t"
        self.write(report + "\n")
        self._closed = True

    def text(self) -> str:
        return "".join(self._parts)


def tail_base64(text: str, limit: int = LOG_TAIL_BYTES) -> str:
    """Base64 of the last ``limit`` bytes of a log, as ``X-Amz-Log-Result`` carries it."""
    return base64.b64encode(text.encode()[-limit:]).decode()


@contextmanager
def capturing(buffer: LogBuffer) -> Iterator[None]:
    """Send what this thread or task prints while inside the block to ``buffer``."""
    token = _current.set(buffer)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> LogBuffer | None:
    return _current.get()


class _Tee(io.TextIOBase):
    """A ``sys.stdout``/``sys.stderr`` stand-in: to the current buffer, and to ``sink``."""

    def __init__(self, sink: TextIO, echo: bool) -> None:
        self._sink = sink
        self._echo = echo

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        buffer = _current.get()
        if buffer is not None:
            buffer.write(s)
        if self._echo or buffer is None:
            self._sink.write(s)
            self._sink.flush()
        return len(s)

    def flush(self) -> None:
        self._sink.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._sink, "encoding", "utf-8") or "utf-8"


class _RuntimeFormatter(logging.Formatter):
    """The Python runtime's text format: ``[LEVEL]\\t<time>Z\\t<request id>\\t<message>``."""

    def format(self, record: logging.LogRecord) -> str:
        buffer = _current.get()
        request_id = buffer.request_id if buffer is not None else ""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        millis = int(record.msecs)
        text = f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{request_id}\t{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text.replace("\n", "\r")  # one log event per record, as in CloudWatch


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at emit time (so into the tee)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_RuntimeFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


_lock = threading.Lock()
_installed: list[tuple[TextIO, TextIO, logging.Handler | None]] = []


def install(stdout_sink: TextIO, stderr_sink: TextIO, *, echo: bool = True) -> None:
    """Swap the process's standard streams for tees (undo with :func:`uninstall`).

    When the root logger has no handler yet, one in the runtime's format is added, as
    awslambdaric does, so ``logging`` output lands in the invocation's log too.
    """
    with _lock:
        handler: logging.Handler | None = None
        root = logging.getLogger()
        if not root.handlers:
            handler = _StdoutHandler()
            root.addHandler(handler)
        _installed.append((sys.stdout, sys.stderr, handler))
        sys.stdout = _Tee(stdout_sink, echo)
        sys.stderr = _Tee(stderr_sink, echo)


def uninstall() -> None:
    """Undo the last :func:`install` (streams someone else swapped in since are kept)."""
    with _lock:
        if not _installed:
            return
        stdout, stderr, handler = _installed.pop()
        if isinstance(sys.stdout, _Tee):
            sys.stdout = stdout
        if isinstance(sys.stderr, _Tee):
            sys.stderr = stderr
        if handler is not None:
            logging.getLogger().removeHandler(handler)


def ensure_installed() -> None:
    """Wrap the standard streams again if something replaced the tees since :func:`install`.

    Test runners swap ``sys.stdout`` between phases; the new stream becomes the sink.
    """
    if isinstance(sys.stdout, _Tee) and isinstance(sys.stderr, _Tee):
        return
    with _lock:
        if not isinstance(sys.stdout, _Tee):
            sys.stdout = _Tee(sys.stdout, echo=True)
        if not isinstance(sys.stderr, _Tee):
            sys.stderr = _Tee(sys.stderr, echo=True)
