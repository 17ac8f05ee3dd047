"""Restarting ``lambent dev``'s server when the app's files change.

The supervisor owns the listening socket and hands it to a child process running the
server (``LAMBENT_DEV_FD``), so a restart loses no connection: requests wait in the
socket's backlog while the new child imports the changed code. Changes are seen by
watchfiles (a maintained, Rust-backed watcher using inotify/FSEvents), filtered to
Python files.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

#: the environment variable naming the inherited socket's file descriptor
FD_VARIABLE = "LAMBENT_DEV_FD"
#: what the first server process adds to its "serving" line (later ones say nothing)
BANNER_VARIABLE = "LAMBENT_DEV_BANNER"


def _start(argv: Sequence[str], sock: socket.socket, banner: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, FD_VARIABLE: str(sock.fileno()), BANNER_VARIABLE: banner}
    return subprocess.Popen(
        [sys.executable, "-m", "lambent", *argv], env=env, pass_fds=(sock.fileno(),)
    )


def _end(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def supervise(
    argv: Sequence[str],
    sock: socket.socket,
    watch: Sequence[Path],
    say: Callable[[str], None],
    banner: str,
) -> int:
    """Run ``lambent *argv`` on ``sock``, restarting it on changes; return on SIGINT/SIGTERM.

    Exits 2 when the first start fails (the app does not load: the child said why);
    later failures wait for the next change.
    """
    import watchfiles

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    child = _start(argv, sock, banner)
    reloaded = waiting = False
    try:
        for changes in watchfiles.watch(
            *watch,
            watch_filter=watchfiles.PythonFilter(),
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=200,
            debounce=100,
            raise_interrupt=False,
        ):
            if stop.is_set():
                break
            code = child.poll()
            if code is not None and not reloaded and code != 0:
                return code
            if code is not None and not waiting:
                say("the server stopped; waiting for a change to restart it")
                waiting = True
            if changes:
                names = sorted({Path(p).name for _, p in changes})
                say(f"reloading: {', '.join(names)} changed")
                _end(child)
                child = _start(argv, sock, "")
                reloaded, waiting = True, False
        return 0
    finally:
        _end(child)
        for number, handler in previous.items():
            signal.signal(number, handler)
