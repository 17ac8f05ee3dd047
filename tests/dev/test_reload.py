"""``lambent dev`` as a command: it serves, logs each request, reloads on a change."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_serves_logs_and_reloads_within_seconds_of_a_change(tmp_path: Path) -> None:
    app_file = tmp_path / "service.py"
    app_file.write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", "dev", str(app_file), "--port", "0"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert found, banner
        url = found.group(0) + "/version"
        assert _get(url) == b'{"version":1}'
        log = process.stderr.readline()
        assert re.fullmatch(
            r'lambent dev: 127\.0\.0\.1 "GET /version HTTP/1\.1" 200 13B [\d.]+ms\n', log
        )
        time.sleep(0.3)  # the watcher is running by now
        app_file.write_text(APP.replace("VERSION = 1", "VERSION = 2"))
        changed = time.monotonic()
        while _get(url) != b'{"version":2}':
            assert time.monotonic() - changed < 5, "no reload within 5 seconds"
            time.sleep(0.1)
        assert (
            "reloading: service.py changed" in process.stderr.readline() + process.stderr.readline()
        )
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
        "No module named 'nonexistent_module_xyz'"
    ]
