"""``LambdaContext``: the Protocol the runtime's context and every test double satisfy, and
what lambent reads through it."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext as RuntimeContext

from lambent import App, LambdaContext
from lambent.testing import FakeContext, sqs_event

ATTRIBUTES = {
    "aws_request_id": "req-1",
    "function_name": "orders",
    "function_version": "$LATEST",
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders",
    "memory_limit_in_mb": "128",
    "log_group_name": "/aws/lambda/orders",
    "log_stream_name": "2026/12/01/[$LATEST]abc",
}


def test_the_python_runtimes_context_satisfies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    deadline_ms = int(time.time() * 1000) + 30_000
    context = RuntimeContext("req-1", None, None, deadline_ms, ATTRIBUTES["invoked_function_arn"])
    assert isinstance(context, LambdaContext)
    assert 0 < context.get_remaining_time_in_millis() <= 30_000


def test_any_object_with_the_attributes_and_the_clock_satisfies_it() -> None:
    double = SimpleNamespace(**ATTRIBUTES, get_remaining_time_in_millis=lambda: 1000)
    assert isinstance(double, LambdaContext)
    assert isinstance(FakeContext(), LambdaContext)


@pytest.mark.parametrize("missing", [*ATTRIBUTES, "get_remaining_time_in_millis"])
def test_an_object_missing_a_member_does_not(missing: str) -> None:
    members: dict[str, Any] = {**ATTRIBUTES, "get_remaining_time_in_millis": lambda: 1000}
    del members[missing]
    assert not isinstance(SimpleNamespace(**members), LambdaContext)


def test_a_handler_receives_the_context_it_was_invoked_with() -> None:
    app = App()
    seen: list[LambdaContext] = []

    @app.sqs("orders")
    def handle(body: dict[str, Any], context: LambdaContext) -> None:
        seen.append(context)

    context = FakeContext(function_name="orders")
    assert app.handler(sqs_event({"n": 1}, queue="orders"), context) == {"batchItemFailures": []}
    assert seen == [context]
