"""A streamed HTTP response as lambent.runtime posts it: the Runtime API's streaming mode.

This test serves ``/next`` from a plain socket and reads the ``/response`` request byte
for byte: the mode header, the chunked body (prelude, 8 NUL bytes, the chunks) and, for a body that fails half way,
the error trailers (LAMBDA.md §3.1).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from typing import Any

import pytest

from lambent.testing import http_request
from tests.runtime.conftest import RuntimeAPI


def _serve_one(listener: socket.socket, event: bytes, captured: list[bytes]) -> None:
    conn, _ = listener.accept()
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head = (
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-1\r\n"
            "Lambda-Runtime-Deadline-Ms: 9999999999999\r\n"
            "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:f\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(event)}\r\n\r\n"
        )
        conn.sendall(head.encode() + event)
        request = b""
        while not request.endswith(b"\r\n\r\n") or b"\r\n0\r\n" not in request:
            chunk = conn.recv(65536)
            if not chunk:
                break
            request += chunk
        captured.append(request)
        conn.sendall(b'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}')
        captured.append(conn.recv(65536))  # the next /next: left unanswered


def _dechunk(data: bytes) -> tuple[bytes, dict[str, str]]:
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            lines = data.decode().split("\r\n")
            trailers = dict(line.split(": ", 1) for line in lines if line)
            return body, trailers
        body, data = body + data[:size], data[size + 2 :]


def _stream(
    runtime_api_host: RuntimeAPI, path: str
) -> tuple[dict[str, str], bytes, dict[str, str]]:
    listener = socket.create_server(("127.0.0.1", 0))
    event = json.dumps(http_request("GET", path, source="function-url", seed=1)).encode()
    captured: list[bytes] = []
    thread = threading.Thread(target=_serve_one, args=(listener, event, captured), daemon=True)
    thread.start()
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    process = runtime_api_host.start(
        "tests.local.apps.streaming.app", AWS_LAMBDA_RUNTIME_API=address
    )
    try:
        thread.join(timeout=20)
    finally:
        process.kill()
        process.communicate(timeout=10)
        listener.close()
    request, following = captured
    assert following.startswith(b"GET /2018-06-01/runtime/invocation/next ")  # the loop goes on
    head, _, chunked = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    assert lines[0] == "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1"
    body, trailers = _dechunk(chunked)
    return headers, body, trailers


def test_a_streamed_response_uses_the_streaming_mode(runtime_api_host: RuntimeAPI) -> None:
    headers, body, trailers = _stream(runtime_api_host, "/story")
    assert headers["lambda-runtime-function-response-mode"] == "streaming"
    assert headers["transfer-encoding"] == "chunked"
    assert headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    prelude, _, rest = body.partition(b"\x00" * 8)
    assert json.loads(prelude)["statusCode"] == 200
    assert rest == b"once upon a time\nthe end\n"
    assert trailers == {}


def test_an_error_half_way_goes_into_the_trailers(runtime_api_host: RuntimeAPI) -> None:
    headers, body, trailers = _stream(runtime_api_host, "/broken")
    assert "Lambda-Runtime-Function-Error-Type" in headers["trailer"]
    assert body.endswith(b"\x00" * 8 + b"half a story")
    assert trailers["Lambda-Runtime-Function-Error-Type"] == "RuntimeError"
    doc: Any = json.loads(base64.b64decode(trailers["Lambda-Runtime-Function-Error-Body"]))
    assert doc["errorType"] == "RuntimeError"
    assert doc["errorMessage"] == "the storyteller fell asleep"
    assert doc["requestId"] == "req-1"


@pytest.mark.parametrize(
    ("kind", "error_type", "message"),
    [("exit", "SystemExit", "3"), ("interrupt", "KeyboardInterrupt", ""),
     ("custom", "StoryEnded", "the storyteller left")],
)  # fmt: skip
def test_a_base_exception_half_way_goes_into_the_trailers_too(
    runtime_api_host: RuntimeAPI, kind: str, error_type: str, message: str
) -> None:
    # as an HTTP handler's BaseException is its 500: the body's is the stream's error,
    # and the loop asks for the next invocation (it crashed the runtime mid-stream before)
    _, body, trailers = _stream(runtime_api_host, f"/interrupted/{kind}")
    assert body.endswith(b"\x00" * 8 + b"half a story")
    assert trailers["Lambda-Runtime-Function-Error-Type"] == error_type
    doc: Any = json.loads(base64.b64decode(trailers["Lambda-Runtime-Function-Error-Body"]))
    assert (doc["errorType"], doc["errorMessage"]) == (error_type, message)
