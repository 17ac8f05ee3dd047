"""FakeContext: the runtime's attributes and a deadline the test controls."""

from __future__ import annotations

import uuid

from lambent._context import LambdaContext
from lambent.testing import ClientContext, FakeContext


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_attributes_of_the_python_runtime() -> None:
    ctx = FakeContext(function_name="orders", region="eu-west-1", account="111122223333")
    assert isinstance(ctx, LambdaContext)
    uuid.UUID(ctx.aws_request_id)
    assert ctx.function_version == "$LATEST"
    assert ctx.invoked_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    assert ctx.memory_limit_in_mb == "128"
    assert ctx.log_group_name == "/aws/lambda/orders"
    assert "[$LATEST]" in ctx.log_stream_name
    assert ctx.identity.cognito_identity_id is None
    assert ctx.identity.cognito_identity_pool_id is None
    assert ctx.client_context is None
    assert ctx.tenant_id is None
    with_client = FakeContext(client_context=ClientContext(custom={"a": 1}), tenant_id="t1")
    assert with_client.client_context is not None
    assert with_client.client_context.custom == {"a": 1}
    assert with_client.tenant_id == "t1"


def test_request_ids_are_fresh_unless_given() -> None:
    assert FakeContext().aws_request_id != FakeContext().aws_request_id
    assert FakeContext(aws_request_id="r-1").aws_request_id == "r-1"


def test_timeout_counts_down_with_the_clock() -> None:
    clock = Clock()
    ctx = FakeContext(timeout=3, clock=clock)
    assert ctx.get_remaining_time_in_millis() == 3000
    assert ctx.deadline_ms == 1_003_000
    clock.now += 1.25
    assert ctx.get_remaining_time_in_millis() == 1750
    clock.now += 10
    assert ctx.get_remaining_time_in_millis() == 0


def test_default_timeout_on_the_wall_clock() -> None:
    remaining = FakeContext().get_remaining_time_in_millis()
    assert 29_000 < remaining <= 30_000


def test_absolute_deadline() -> None:
    ctx = FakeContext(deadline_ms=1_000_500, clock=Clock())
    assert ctx.get_remaining_time_in_millis() == 500
    ctx.set_deadline(1_002_000)
    assert ctx.get_remaining_time_in_millis() == 2000


def test_advance_set_and_expire() -> None:
    ctx = FakeContext(timeout=10, clock=Clock())
    ctx.advance(2.5)
    assert ctx.get_remaining_time_in_millis() == 7500
    ctx.set_remaining(0.2)
    assert ctx.get_remaining_time_in_millis() == 200
    ctx.expire()
    assert ctx.get_remaining_time_in_millis() == 0
    ctx.advance(5)
    assert ctx.get_remaining_time_in_millis() == 0
    assert "remaining_ms=0" in repr(ctx)
