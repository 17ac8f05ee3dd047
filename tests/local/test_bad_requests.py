"""Malformed HTTP (lambent._local.bad_requests): a header line without a colon, an
over-long request line, TLS sent to the plain port, an over-long header each get a short
400 and one line of output, never aiohttp's traceback; through the runner itself and
through ``lambent dev`` and ``lambent serve`` as commands (their real stderr)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio.from_thread
import pytest
from aiohttp import web

from lambent._local.bad_requests import QuietRunner

pytestmark = pytest.mark.network
ROOT = Path(__file__).resolve().parents[2]

#: (what is sent, the reason the answer and the line give)
MALFORMED = [
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "Invalid header token"),
    (
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "Got more than 8190 bytes when reading",
    ),
    (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        "Received HTTPS traffic on an HTTP port",
    ),
    (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n",
        "Got more than 8190 bytes when reading",
    ),
]


def send(port: int, data: bytes) -> bytes:
    """Send raw bytes; what comes back before the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def is_clean_400(answer: bytes, reason: str) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.0 400 Bad Request\r\n") and body == (
        f"Bad Request: {reason}\n".encode()
    )


@contextmanager
def quiet_server(said: list[str]) -> Iterator[int]:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug of the server's own")

    async def serve(task_status: anyio.abc.TaskStatus[int]) -> None:
        app = web.Application()
        app.router.add_get("/", hello)
        app.router.add_get("/broken", broken)
        runner = QuietRunner(app, said.append)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            task_status.started(runner.addresses[0][1])
            await anyio.sleep_forever()
        finally:
            await runner.cleanup()

    with anyio.from_thread.start_blocking_portal() as portal:
        future, port = portal.start_task(serve)
        try:
            yield port
        finally:
            portal.call(future.cancel)


def test_malformed_requests_get_a_short_400_and_one_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    said: list[str] = []
    with quiet_server(said) as port:
        answers = [send(port, data) for data, _ in MALFORMED]
        fine = send(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        failed = send(port, b"GET /broken HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    for answer, (_, reason) in zip(answers, MALFORMED, strict=True):
        assert is_clean_400(answer, reason), answer
        assert b"aaaa" not in answer and b"yyyy" not in answer  # the request is not echoed
    assert said == [f"127.0.0.1 bad request: {reason}" for _, reason in MALFORMED]
    assert fine.startswith(b"HTTP/1.1 200 OK") and fine.endswith(b"hello")
    # the server's own bug is still aiohttp's 500, logged with its traceback
    assert failed.startswith(b"HTTP/1.1 500")
    logged = [r for r in caplog.records if r.name.startswith("aiohttp")]
    assert [r.exc_info[0] for r in logged if r.exc_info] == [RuntimeError]


@pytest.mark.parametrize("command", ["dev", "serve"])
def test_lambent_dev_and_serve_say_one_line_per_malformed_request(
    command: str, tmp_path: Path
) -> None:
    args = ["--state-dir", str(tmp_path)] if command == "serve" else ["--no-reload"]
    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", command, "tests/dev/blocking.py:app",
         "--port", "0", *args],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)", process.stderr.readline())
        assert found, "no address"
        for data, reason in MALFORMED:
            assert is_clean_400(send(int(found.group(1)), data), reason)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr and "Error handling request" not in stderr, stderr
    prefix = "lambent dev: " if command == "dev" else "lambent: "
    bad = [line for line in stderr.splitlines() if "bad request" in line]
    assert bad == [f"{prefix}127.0.0.1 bad request: {reason}" for _, reason in MALFORMED]
