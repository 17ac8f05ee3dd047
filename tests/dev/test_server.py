"""``lambent dev``'s server driven by a real HTTP client (the standard library's), per source,
each answer compared with :class:`lambent.testing.TestClient`'s for the same request."""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import anyio.from_thread
import pytest

from lambent._dev import front
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


@contextmanager
def serving(
    source: str, output: TextIO | None = None, *, timeout: float = 30.0
) -> Iterator[tuple[str, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    with anyio.from_thread.start_blocking_portal() as portal:
        future, _ = portal.start_task(
            serve, DevApp(app, source, output=output, timeout=timeout), sock
        )
        yield source, sock.getsockname()[1]
        portal.call(future.cancel)


@pytest.fixture(scope="module", params=SOURCES)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    with serving(request.param, io.StringIO()) as running:
        yield running


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
    assert bad.status == 422 and "$.qty" in bad.content.decode()
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


def test_a_streamed_route_answers_whole_bodies_like_the_test_client(
    server: tuple[str, int],
) -> None:
    answer = call(server, "GET", "/stream")
    assert answer.content == b"one\ntwo\nthree\n"
    same_as_test_client(server, answer, "GET", "/stream")
    assert answer.headers["x-kind"] == "words"


def test_function_url_sends_each_chunk_as_the_route_produces_it() -> None:
    with serving("function-url", io.StringIO()) as running:
        conn = http.client.HTTPConnection("127.0.0.1", running[1], timeout=10)
        try:
            started = time.perf_counter()
            conn.request("GET", "/stream?pause=0.5")
            response = conn.getresponse()
            head_at = time.perf_counter() - started
            arrived: list[tuple[float, bytes]] = []
            while chunk := response.read1(65536):
                arrived.append((time.perf_counter() - started, chunk))
        finally:
            conn.close()
    assert response.status == 201
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-kind"] == "words"
    whole = TestClient(app, source="function-url").get("/stream")
    assert response.headers.get_all("Set-Cookie") == whole.cookies == ["seen=yes; Path=/"]
    assert [chunk for _, chunk in arrived] == [b"one\n", b"two\n", b"three\n"]
    first, last = arrived[0][0], arrived[-1][0]
    # the handler sleeps 0.5 s after each chunk: the first came long before it finished
    assert head_at < 0.4 and first < 0.4, (head_at, arrived)
    assert last >= 0.9, arrived


def cut_answer(path: str, *, timeout: float = 30.0) -> str:
    """Request a streamed route that stops early: its first chunk arrives, the rest of
    the answer is cut off (no final chunk); the terminal's output."""
    output = io.StringIO()
    with serving("function-url", output, timeout=timeout) as running:
        conn = http.client.HTTPConnection("127.0.0.1", running[1], timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 201
            assert response.read1(65536) == b"one\n"
            with pytest.raises(http.client.IncompleteRead):
                response.read()
        finally:
            conn.close()
    return output.getvalue()


def test_an_error_mid_stream_cuts_the_answer_and_shows_the_traceback() -> None:
    log = cut_answer("/stream?fail=true")
    assert "Traceback" in log and "RuntimeError: broke after the first chunk" in log
    assert "201 4B" in log and "failed mid-stream" in log


def test_the_timeout_covers_the_streaming_and_cuts_the_answer() -> None:
    log = cut_answer("/stream?pause=0.5", timeout=0.8)
    assert "did not finish streaming within 0.8s" in log and "timed out mid-stream" in log


def test_a_result_over_the_limit_is_the_front_ends_failure(server: tuple[str, int]) -> None:
    # Lambda fails a result over 6 MB (Function.ResponseSizeTooLarge); an ALB reads 1 MB
    big = 1.5 if server[0].startswith("alb") else 6.5
    output = io.StringIO()
    with serving(server[0], output) as running:
        answer = call(running, "GET", f"/huge?mb={big}")
        fits = call(running, "GET", "/huge?mb=0.5")
    assert answer.status == {"apigw-http": 500}.get(server[0], 502), answer.content[:80]
    assert len(answer.content) < 100 and fits.status == 200
    assert "bytes of JSON, over the" in output.getvalue()


def test_a_request_whose_event_is_over_the_limit_never_runs(server: tuple[str, int]) -> None:
    # an ALB takes a 1 MB body; elsewhere 5 MB of binary is 6.7 MB once base64-encoded
    size = 1_048_577 if server[0].startswith("alb") else 5_000_000
    headers = {"Content-Type": "application/octet-stream"}
    output = io.StringIO()
    with serving(server[0], output) as running:
        answer = call(running, "POST", "/size", body=b"x" * size, headers=headers)
    assert answer.status == 413 and b"Request Entity Too Large" in answer.content
    assert "over the" in output.getvalue() and "/size" in output.getvalue()


def test_a_lifespan_slow_to_leave_is_cut_after_lambdas_shutdown_phase_naming_the_app() -> None:
    """``lambent dev`` leaves the app's lifespan as Lambda would: within its 2 s shutdown
    phase, then one line naming the app, and exit status 1 (``failed_at_shutdown``)."""
    import contextlib

    from lambent import App

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> Any:
        yield
        await anyio.sleep(30)

    slow = App(lifespan=lifespan)

    @slow.get("/")
    async def index() -> dict[str, bool]:
        return {"ok": True}

    output = io.StringIO()
    dev = DevApp(slow, "apigw-http", output=output, name="shop.web:app")

    async def main() -> float:
        _, event = TestClient(slow, source="apigw-http").build_event("GET", "/")
        answer = await dev.run(event)
        assert isinstance(answer, front.Answer) and answer.status == 200  # entered
        started = time.monotonic()
        await dev.aclose()
        return time.monotonic() - started

    assert anyio.run(main) < 4.0
    assert dev.failed_at_shutdown
    assert output.getvalue() == (
        "lambent dev: the app's lifespan failed at shutdown: LifespanCut: shop.web:app took "
        "longer than Lambda's 2s shutdown phase to leave its lifespan; it was cut off there\n"
    )
