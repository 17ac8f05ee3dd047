"""What each front end answers when the function itself fails, times out or returns no
HTTP result (through :class:`lambent._dev.server.DevApp`, the server's interface)."""

from __future__ import annotations

import io
import time
from typing import Any

import anyio
import pytest

from lambent._dev.front import FAILURES
from lambent._dev.server import DevApp

SOURCES = ("apigw-http", "apigw-rest", "function-url", "alb")


def raises(event: Any, context: Any) -> Any:
    raise ValueError("database password is hunter2")


def exits(event: Any, context: Any) -> Any:
    raise SystemExit(3)


def slow(event: Any, context: Any) -> Any:
    time.sleep(0.5)
    return {"statusCode": 200, "body": "late"}


def bare(event: Any, context: Any) -> Any:
    return {"hello": "world"}


def _run(handler: Any, source: str, timeout: float = 5.0) -> Any:
    out = io.StringIO()
    dev = DevApp(handler, source, timeout=timeout, output=out)
    return anyio.run(dev.run, {}), out.getvalue()


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("handler", [raises, exits])
def test_a_failing_function_gets_the_services_error_without_details(
    source: str, handler: Any
) -> None:
    answer, log = _run(handler, source)
    status, _, body = FAILURES[source]["error"]
    assert (answer.status, answer.body) == (status, body)
    assert ("ValueError" if handler is raises else "SystemExit") in log  # the developer sees it


@pytest.mark.parametrize("source", SOURCES)
def test_a_slow_function_gets_the_services_timeout(source: str) -> None:
    answer, log = _run(slow, source, timeout=0.1)
    assert answer.status == FAILURES[source]["timeout"][0]
    assert "did not answer within 0.1s" in log


@pytest.mark.parametrize(
    ("source", "status"),
    [("apigw-http", 200), ("function-url", 200), ("apigw-rest", 502), ("alb", 502)],
)
def test_a_result_without_status_code(source: str, status: int) -> None:
    answer, _ = _run(bare, source)
    assert answer.status == status
    if status == 200:  # payload format 2.0 infers a JSON answer
        assert answer.body == b'{"hello": "world"}'


def test_api_gateway_stops_at_29_seconds() -> None:
    assert DevApp(bare, "apigw-rest", timeout=900).timeout == 29
    assert DevApp(bare, "function-url", timeout=900).timeout == 900
