"""Retrying AWS calls through outages and throttling (lambent.poll._backoff): which
errors are transient, the capped jittered delays, and one log line when an outage starts
and one when it ends."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from hypothesis import given
from hypothesis import strategies as st

from lambent.poll._backoff import Retrier, is_transient
from tests.loggers import QuietLogger


def client_error(code: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "ReceiveMessage")


class Lines(QuietLogger):
    """A logger that keeps what it was told."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str | None, dict[str, Any]]] = []

    def warning(self, event: str | None = None, *args: Any, **kw: Any) -> None:
        self.lines.append(("warning", event, kw))

    def info(self, event: str | None = None, *args: Any, **kw: Any) -> None:
        self.lines.append(("info", event, kw))


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (client_error("ThrottlingException", 400), True),
        (client_error("ProvisionedThroughputExceededException", 400), True),
        (client_error("Whatever", 503), True),
        (client_error("AccessDenied", 403), False),
        (client_error("QueueDoesNotExist", 400), False),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), True),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (ValueError("bad"), False),
    ],
)
def test_what_is_transient(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


@given(st.floats(0.001, 5), st.floats(0.001, 60), st.integers(0, 80))
def test_delays_are_jittered_below_the_capped_exponential(
    base: float, cap: float, attempt: int
) -> None:
    retrier = Retrier("q", Lines(), base=base, cap=cap, on_outage=lambda: None)
    assert 0.0 <= retrier.delay(attempt) <= min(cap, base * 2.0**attempt)


async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends() -> None:
    log, outages = Lines(), []
    retrier = Retrier("queue q", log, base=0.0, cap=0.0, on_outage=lambda: outages.append(1))
    answers: list[Any] = [client_error("Throttling", 400)] * 5 + ["ok"]

    async def call(**kw: Any) -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return f"{answer} {kw['n']}"

    assert await retrier.call(call, n=1) == "ok 1"
    assert [(level, event) for level, event, _ in log.lines] == [
        ("warning", "endpoint unavailable or throttling; retrying with backoff"),
        ("info", "endpoint back"),
    ]
    assert log.lines[0][2]["source"] == "queue q" and outages == [1] and retrier.outages == 1
    answers[:] = ["again"]
    assert await retrier.call(call, n=2) == "again 2" and len(log.lines) == 2


async def test_an_error_that_is_not_transient_raises_at_once() -> None:
    log = Lines()
    retrier = Retrier("q", log, base=0.0, cap=0.0, on_outage=lambda: None)
    calls = 0

    async def denied() -> None:
        nonlocal calls
        calls += 1
        raise client_error("AccessDenied", 403)

    with pytest.raises(ClientError):
        await retrier.call(denied)
    assert calls == 1 and log.lines == [] and retrier.down_since is None
