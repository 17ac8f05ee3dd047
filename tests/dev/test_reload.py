"""``lambent dev`` as a command: it serves, logs each request, reloads on a change."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest

pytestmark = pytest.mark.network
ROOT = Path(__file__).resolve().parents[2]
APP = """
from lambent import App

app = App()

@app.get("/version")
async def version() -> dict[str, int]:
    return {"version": VERSION}

VERSION = 1
"""


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


class Lines:
    """The process's stderr lines, read by a thread so that a test never blocks on them."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        assert process.stderr is not None
        threading.Thread(target=self._read, args=(process.stderr,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def until(self, pattern: str, seconds: float = 10) -> str:
        deadline = time.monotonic() + seconds
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if re.search(pattern, line):
                return line


def _until_version(url: str, version: int) -> None:
    changed = time.monotonic()
    while _get(url) != b'{"version":%d}' % version:
        assert time.monotonic() - changed < 5, "no reload within 5 seconds"
        time.sleep(0.1)


def test_serves_logs_and_reloads_within_seconds_of_a_change(tmp_path: Path) -> None:
    app_file = tmp_path / "service.py"
    app_file.write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", "dev", str(app_file), "--port", "0"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = Lines(process)
        found = re.search(r"http://127\.0\.0\.1:\d+", lines.until("serves"))
        assert found
        url = found.group(0) + "/version"
        assert _get(url) == b'{"version":1}'
        log = lines.until("GET")
        assert re.fullmatch(
            r'lambent dev: 127\.0\.0\.1 "GET /version HTTP/1\.1" 200 13B [\d.]+ms\n', log
        )
        time.sleep(0.3)  # the watcher is running by now
        app_file.write_text(APP.replace("VERSION = 1", "VERSION = 2"))
        _until_version(url, 2)
        lines.until("reloading: service.py changed")
        app_file.write_text(APP + "def broken(:\n")  # a typo: the new server cannot start
        lines.until(r"cannot import .*service\.py: SyntaxError")
        lines.until("waiting for a change")
        app_file.write_text(APP.replace("VERSION = 1", "VERSION = 3"))
        _until_version(url, 3)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    assert process.returncode == 0


def test_an_app_that_does_not_load_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import nonexistent_module_xyz\n")
    done = subprocess.run(
        [sys.executable, "-m", "lambent", "dev", str(broken), "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"lambent dev: cannot import {broken}: ModuleNotFoundError: "
        f"No module named 'nonexistent_module_xyz' (at {broken.resolve()}:1)"
    ]
