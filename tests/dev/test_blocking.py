"""``lambent dev`` with a plain handler that blocks (``time.sleep``), driven by a real HTTP
client on 127.0.0.1: the server's loop stays free, so the other requests are answered
and the blocked one gets the front end's timeout answer at about ``--timeout``."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.network
ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).with_name("blocking.py")
#: --timeout of the server; the blocking handler sleeps far longer
TIMEOUT = 1.0
SLEEP = 4.0


class Dev:
    """A running ``lambent dev``: its port, and once stopped what it wrote to stderr."""

    port = 0
    log = ""


@contextmanager
def dev(app: str, *options: str) -> Iterator[Dev]:
    """``lambent dev`` on a free port, stopped at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", "dev", f"{APPS}:{app}", "--port", "0",
         "--no-reload", "--timeout", str(TIMEOUT), *options],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    running = Dev()
    try:
        assert process.stderr is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)", process.stderr.readline())
        assert found, "lambent dev did not say where it listens"
        running.port = int(found.group(1))
        yield running
    finally:
        process.terminate()
        running.log = process.communicate(timeout=20)[1]


class Timed:
    """One GET in a thread of its own: its status and when it was answered."""

    def __init__(self, port: int, path: str, started: float) -> None:
        self.status = 0
        self.at = 0.0
        self._thread = threading.Thread(target=self._get, args=(port, path, started))
        self._thread.start()

    def _get(self, port: int, path: str, started: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SLEEP * 3)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            self.status = response.status
            self.at = time.monotonic() - started
        finally:
            conn.close()

    def wait(self) -> Timed:
        self._thread.join(SLEEP * 3)
        return self


def test_a_blocked_plain_handler_holds_neither_the_other_requests_nor_its_timeout() -> None:
    with dev("app") as server:
        assert Timed(server.port, "/quick", time.monotonic()).wait().status == 200  # warm
        started = time.monotonic()
        blocked = Timed(server.port, f"/sleep?seconds={SLEEP}", started)
        time.sleep(0.2)  # the handler is sleeping by now
        quick = Timed(server.port, "/quick", started).wait()
        blocked.wait()
    assert (quick.status, blocked.status) == (200, 503)  # HTTP API's timeout answer
    assert quick.at < blocked.at, (quick.at, blocked.at)  # answered while the other slept
    assert TIMEOUT <= blocked.at < SLEEP - 1, blocked.at  # at --timeout, not at its end
    assert "did not answer within 1s\n" in server.log  # threads hold no loop: no hint


def test_an_app_that_awaits_answers_a_blocked_plain_handlers_timeout_on_time() -> None:
    with dev("mixed", "--openapi") as server:
        started = time.monotonic()
        blocked = Timed(server.port, f"/sleep?seconds={SLEEP}", started)
        time.sleep(0.2)
        # the app's own loop is held (its other routes wait), the server's is not
        document = Timed(server.port, "/openapi.json", started).wait()
        blocked.wait()
    assert (document.status, blocked.status) == (200, 503)
    assert document.at < blocked.at, (document.at, blocked.at)
    assert TIMEOUT <= blocked.at < SLEEP - 1, blocked.at
    # the developer is told why, and what to do
    assert (
        "did not answer within 1s; a plain handler is blocking the app's event loop (its "
        "other requests wait): threaded=True on its route runs it in a worker thread"
    ) in server.log
