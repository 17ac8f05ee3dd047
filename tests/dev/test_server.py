"""``lambent dev``'s server driven by a real HTTP client (the standard library's), per source,
each answer compared with :class:`lambent.testing.TestClient`'s for the same request."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import anyio.from_thread
import pytest

from lambent._dev.server import DevApp, serve
from lambent.testing import TestClient
from tests.dev.app import app

pytestmark = pytest.mark.network
SOURCES = ("apigw-http", "apigw-rest", "function-url", "alb", "alb-multi")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.cookies = response.headers.get_all("Set-Cookie") or []
        self.content = response.read()

    def json(self) -> Any:
        return json.loads(self.content)


@pytest.fixture(scope="module", params=SOURCES)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    source: str = request.param
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    with anyio.from_thread.start_blocking_portal() as portal:
        future, _ = portal.start_task(serve, DevApp(app, source), sock)
        yield source, sock.getsockname()[1]
        portal.call(future.cancel)  # type: ignore[arg-type]


def call(server: tuple[str, int], method: str, path: str, **options: Any) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", server[1], timeout=10)
    try:
        conn.request(method, path, body=options.get("body"), headers=options.get("headers", {}))
        return Answer(conn.getresponse())
    finally:
        conn.close()


def _comparable(content: bytes) -> Any:
    """The body, less the request id an error body carries (each request has its own)."""
    try:
        doc = json.loads(content)
    except ValueError:
        return content
    if isinstance(doc, dict) and "request_id" in doc:
        doc["request_id"] = "<the request's id>"
    return doc


def same_as_test_client(
    server: tuple[str, int], answer: Answer, method: str, path: str, **options: Any
) -> None:
    """The HTTP answer equals TestClient's decoded response for the same request."""
    expected = TestClient(app, source=server[0]).request(method, path, **options)
    assert answer.status == expected.status
    assert _comparable(answer.content) == _comparable(expected.content)
    assert sorted(answer.cookies) == sorted(expected.cookies)
    assert answer.headers.get("content-type") == expected.headers.get("content-type")


def test_typed_path_parameters(server: tuple[str, int]) -> None:
    ok = call(server, "GET", "/users/5")
    assert (ok.status, ok.json()) == (200, {"id": 5})
    same_as_test_client(server, ok, "GET", "/users/5")
    bad = call(server, "GET", "/users/five")
    assert bad.status == 422 and "user_id" in bad.json()["message"]
    same_as_test_client(server, bad, "GET", "/users/five")


def test_json_bodies_and_a_422_naming_the_field(server: tuple[str, int]) -> None:
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"sku": "pen", "qty": 2})
    ok = call(server, "POST", "/orders", body=body, headers=headers)
    assert (ok.status, ok.json()) == (201, {"sku": "pen", "qty": 2})
    same_as_test_client(server, ok, "POST", "/orders", body=body, headers=headers)
    wrong = json.dumps({"sku": "pen", "qty": "two"})
    bad = call(server, "POST", "/orders", body=wrong, headers=headers)
    assert (
        bad.status == 422 and "qty" in bad.text
        if hasattr(bad, "text")
        else "qty" in bad.content.decode()
    )
    same_as_test_client(server, bad, "POST", "/orders", body=wrong, headers=headers)


def test_two_cookies_each_way(server: tuple[str, int]) -> None:
    answer = call(server, "GET", "/cookies", headers={"Cookie": "a=1; b=2"})
    assert (answer.status, answer.json()) == (200, {"a": "1", "b": "2"})
    assert sorted(c.split(";")[0] for c in answer.cookies) == ["one=1", "two=2"]
    same_as_test_client(server, answer, "GET", "/cookies", cookies=["a=1", "b=2"])


def test_a_binary_image_body_round_trips(server: tuple[str, int]) -> None:
    headers = {"Content-Type": "image/png"}
    answer = call(server, "POST", "/image", body=PNG, headers=headers)
    assert answer.status == 200 and answer.content == PNG[::-1]
    assert answer.headers["Content-Type"] == "image/png"
    same_as_test_client(server, answer, "POST", "/image", body=PNG, headers=headers)


def test_404_and_405_with_allow(server: tuple[str, int]) -> None:
    missing = call(server, "GET", "/nowhere")
    assert missing.status == 404
    same_as_test_client(server, missing, "GET", "/nowhere")
    wrong = call(server, "DELETE", "/users/5")
    assert wrong.status == 405 and "GET" in wrong.headers["Allow"]
    same_as_test_client(server, wrong, "DELETE", "/users/5")


def test_a_handler_error_is_a_500_without_internals(server: tuple[str, int]) -> None:
    answer = call(server, "GET", "/boom")
    assert answer.status == 500
    assert b"hunter2" not in answer.content and b"Traceback" not in answer.content
    same_as_test_client(server, answer, "GET", "/boom")


def test_repeated_query_keys(server: tuple[str, int]) -> None:
    answer = call(server, "GET", "/tags?tag=a&tag=b%20c")
    # an ALB target group without multi-value headers passes the last value only
    tags = ["b c"] if server[0] == "alb" else ["a", "b c"]
    assert (answer.status, answer.json()) == (200, {"tags": tags})
    same_as_test_client(server, answer, "GET", "/tags?tag=a&tag=b%20c")


def test_a_1_mb_body(server: tuple[str, int]) -> None:
    body = b"x" * 1_048_576
    headers = {"Content-Type": "application/octet-stream"}
    answer = call(server, "POST", "/size", body=body, headers=headers)
    assert (answer.status, answer.json()) == (200, {"bytes": 1_048_576})
    same_as_test_client(server, answer, "POST", "/size", body=body, headers=headers)


def test_each_request_has_its_own_id_the_callers_address_and_its_headers(
    server: tuple[str, int],
) -> None:
    headers = [("X-Tag", "a"), ("X-Tag", "b")]
    answers = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", server[1], timeout=10)
        conn.putrequest("GET", "/whoami")
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        answers.append(json.loads(conn.getresponse().read()))
        conn.close()
    first, second = answers
    assert first["request_id"] and first["request_id"] != second["request_id"]
    assert first["source_ip"] == "127.0.0.1"
    # REST and multi-value ALB keep both values, HTTP API 2.0 and Function URLs comma-join
    # them, a single-value ALB passes the last one
    expected = {"apigw-http": ["a,b"], "function-url": ["a,b"], "alb": ["b"]}
    assert first["tags"] == expected.get(server[0], ["a", "b"])
