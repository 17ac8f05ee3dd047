"""``python -m lambent.runtime [HANDLER]``: Init, then the loop that fits the handler.

Init imports the handler (awslambdaric's rules and errors; a failure goes to
``/init/error`` and the process exits 1); SIGTERM or SIGINT meanwhile ends it at once
(exit 0), and one after it stops the loop before its first invocation. A handler that never awaits, with one
invocation at a time and no SnapStart, gets the loop without an event loop
(:mod:`lambent.runtime._sync`); anything else the asynchronous one
(:mod:`lambent.runtime._loop`), imported only then.
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

from lambent.runtime._faults import load_handler
from lambent.runtime._invocation import init_error_post
from lambent.runtime._logs import setup_logging
from lambent.runtime._sync import SyncConnection, _signals
from lambent.runtime._target import Target, target_for
from lambent.runtime._wire import RuntimeAPIError


def concurrency() -> int:
    """``AWS_LAMBDA_MAX_CONCURRENCY`` as a positive number: 1 when unset, and when it is no
    whole number of at least 1, said in one line on stderr (Lambda sets 1 to 1,600;
    awslambdaric fails with a traceback on what is no number)."""
    text = os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")
    if text is None:
        return 1
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        _say(
            f"AWS_LAMBDA_MAX_CONCURRENCY={text!r} is not a whole number of at least 1: "
            "running one invocation at a time"
        )
        return 1
    return value


def _say(message: str) -> None:
    sys.stderr.write(f"lambent.runtime: {message}\n")
    sys.stderr.flush()


class _InitCut(BaseException):
    """A signal during the handler's import (a ``BaseException``: the user's ``except
    Exception`` does not take it)."""


def _run(handler_name: str, address: str) -> int:
    loops = concurrency()
    conn = SyncConnection(address)
    initializing = [True]

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if initializing[0]:
            raise _InitCut  # ends the import, or whatever Init runs, at once
        conn.stop()  # after Init: the loop stops before its first invocation

    signals = _signals()
    previous = {sig: signals.signal(sig, on_signal) for sig in (signals.SIGTERM, signals.SIGINT)}
    try:
        return _serve(handler_name, address, loops, conn, initializing)
    except _InitCut:
        conn.close()
        _say("a signal ended Init")
        return 0
    finally:
        for sig, handler in previous.items():
            signals.signal(sig, handler)


def _serve(
    handler_name: str, address: str, loops: int, conn: SyncConnection, initializing: list[bool]
) -> int:
    target: Target
    try:
        try:
            target = target_for(load_handler(handler_name), loops)
            synchronous = (
                loops == 1
                and os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start"
                and target.start_sync()
            )
        finally:
            initializing[0] = False
    except Exception as exc:
        conn.post(init_error_post(exc))
        conn.close()
        return 1
    if synchronous:
        from lambent.runtime import _sync

        return _sync.serve(target, conn)
    conn.close()
    import anyio

    from lambent.runtime import _loop

    try:
        return anyio.run(_loop.serve, target, address, loops, lambda: conn.stopped)
    except RuntimeAPIError as exc:
        _say(str(exc))
        return 1


def _unbuffered(stream: Any) -> Any:
    """``stream`` written straight to its file descriptor, as ``python -u`` writes it, and
    as awslambdaric flushes every write: a write without a newline (a progress dot, a
    ``print(..., end="")``) reaches the log at once, in its invocation's window, not at the
    next newline (maybe another invocation's) or never (a timeout, a crash). Lambda does
    not set ``PYTHONUNBUFFERED``: before, the lines were buffered until their newline."""
    if getattr(stream, "write_through", True) or not hasattr(stream, "fileno"):
        return stream  # already unbuffered (-u, PYTHONUNBUFFERED), or no file behind it
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return stream
    import io

    stream.flush()
    # the stream itself stays sys.__stdout__ (or __stderr__), flushed at each newline
    reconfigure: Any = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(line_buffering=True)
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding=stream.encoding, errors=stream.errors,
                            write_through=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``python -m lambent.runtime [HANDLER]`` (default: ``$_HANDLER``)."""
    args = sys.argv[1:] if argv is None else argv
    handler = args[0] if args else os.environ.get("_HANDLER", "")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not handler or not address:
        _say("usage: python -m lambent.runtime HANDLER (module.function), "
             "with AWS_LAMBDA_RUNTIME_API set")  # fmt: skip
        return 2
    sys.stdout, sys.stderr = _unbuffered(sys.stdout), _unbuffered(sys.stderr)
    setup_logging()
    if "" not in sys.path:
        sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    try:
        return _run(handler, address)
    except RuntimeAPIError as exc:
        _say(str(exc))
        return 1
