"""Direct invocations (:mod:`lambent._direct`): routed by a field or by payload type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import pytest
import structlog

from lambent import (
    App,
    DeadlineExceeded,
    DecodeError,
    HandlerError,
    LambdaContext,
    LambentError,
    RoutingError,
)
from lambent.testing import (
    FakeContext,
)


class Order(msgspec.Struct):
    id: int
    qty: int = 1


class Resize(msgspec.Struct, tag_field="kind", tag="resize"):
    width: int


class Crop(msgspec.Struct, tag_field="kind", tag="crop"):
    box: list[int]


def test_direct_invoke_by_discriminator_and_by_type() -> None:
    app = App()

    @app.invoke("ping")
    def ping(payload: dict[str, Any]) -> str:
        return "pong"

    @app.invoke()
    def resize(job: Resize, context: LambdaContext) -> dict[str, Any]:
        return {"width": job.width * 2, "request": context.aws_request_id}

    @app.invoke()
    def crop(job: Crop) -> list[int]:
        return job.box

    ctx = FakeContext(aws_request_id="req-1")
    assert app.handler({"action": "ping"}, ctx) == "pong"
    assert app.handler({"kind": "resize", "width": 2}, ctx) == {"width": 4, "request": "req-1"}
    assert app.handler({"kind": "crop", "box": [1, 2]}, ctx) == [1, 2]
    with pytest.raises(RoutingError) as info:
        app.handler({"kind": "rotate"}, ctx)
    assert info.value.source == "direct"


def test_single_typed_invoke_route_reports_the_bad_field() -> None:
    app = App()

    @app.invoke()
    def job(order: Order) -> int:
        return order.id

    with pytest.raises(DecodeError) as info:
        app.handler({"id": "seven"}, FakeContext())
    assert info.value.path == "$.id"


def test_a_name_no_route_has_that_the_typed_route_cannot_read_says_both() -> None:
    app = App()

    @app.invoke("ping")
    def ping(payload: dict[str, Any]) -> str:
        return "pong"

    @app.invoke()
    def job(order: Order) -> int:
        return order.id

    context = FakeContext()
    with pytest.raises(RoutingError) as info:
        app.handler({"action": "pnig"}, context)  # a typo: not a typed payload either
    assert str(info.value) == (
        "no app.invoke route is named action='pnig' (named: 'ping'), and the payload does "
        "not decode as Order, the typed route's payload either: Object missing required "
        "field `id` (at $)"
    )
    assert isinstance(info.value.__cause__, DecodeError)
    assert app.handler({"action": "other", "id": 3}, context) == 3  # it does decode: typed
    with pytest.raises(DecodeError):  # no name given: the typed route's own error
        app.handler({"id": "seven"}, context)


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


def test_a_direct_handler_raising_a_base_exception_fails_with_a_handler_error() -> None:
    app = App()

    @app.invoke("stop")
    def stop(event: dict[str, Any]) -> None:
        raise SystemExit(2)

    @app.invoke("odd")
    def odd(event: dict[str, Any]) -> None:
        raise Unprintable()

    with structlog.testing.capture_logs() as logs:
        with pytest.raises(HandlerError, match=r"stop: raised SystemExit: 2") as info:
            app.handler({"action": "stop"}, FakeContext())
        with pytest.raises(Unprintable):
            app.handler({"action": "odd"}, FakeContext())
    assert isinstance(info.value.__cause__, SystemExit)
    errors = [e["error"] for e in logs if e["event"] == "invocation failed" and "handler" in e]
    assert errors == ["SystemExit: 2", "Unprintable: <str() failed>"]


@pytest.mark.parametrize(
    "event",
    [
        {"Records": []},
        {"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:::x", "records": []},
        [],  # an AppSync BatchInvoke without elements
    ],
)
def test_an_empty_batch_is_a_clear_error(event: Any) -> None:
    app = App()

    @app.sqs()
    def handle(body: str) -> None:
        pass

    @app.appsync("Query", "*")
    def resolve(arguments: dict[str, Any]) -> None:
        pass

    with pytest.raises(RoutingError, match="empty batch") as info:
        app.handler(event, FakeContext())
    assert "no app.invoke routes" not in str(info.value)
    assert "there is nothing to run" in str(info.value)


def test_a_direct_invocation_without_time_left_is_a_lambent_deadline_error() -> None:
    app = App()

    @app.invoke("work")
    def work(event: dict[str, Any]) -> None:
        raise AssertionError("not started: no time left")

    with pytest.raises(DeadlineExceeded) as info:
        app.handler({"action": "work"}, FakeContext(timeout=0.1))
    assert isinstance(info.value, LambentError)


class Numbered(msgspec.Struct):
    n: int


def test_a_direct_payload_that_does_not_decode_is_logged_once() -> None:
    app = App()

    @app.invoke("go")
    def go(payload: Numbered) -> None: ...

    with structlog.testing.capture_logs() as logs, pytest.raises(DecodeError, match=r"\$\.n"):
        app.handler({"action": "go", "n": "x"}, FakeContext())
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["invocation failed"]


class ById(msgspec.Struct):
    id: int


class ByName(msgspec.Struct):
    id: str


class At(msgspec.Struct):
    when: datetime


def test_a_typed_route_takes_only_values_of_its_types_as_a_json_body_would() -> None:
    """A direct invocation's event is JSON, converted as strictly as an SQS body is
    decoded: the string ``"5"`` is no ``int`` (it went to the ``int`` route registered
    first, before the ``str`` one that fits it), and the number 5 is no ``datetime`` (it
    was the epoch's fifth second)."""
    app = App()

    @app.invoke()
    def by_id(p: ById) -> list[Any]:
        return ["id", p.id]

    @app.invoke()
    def by_name(p: ByName) -> list[Any]:
        return ["name", p.id]

    assert app.handler({"id": 5}, FakeContext()) == ["id", 5]
    assert app.handler({"id": "5"}, FakeContext()) == ["name", "5"]

    timed = App()

    @timed.invoke("at")
    def at(p: At) -> str:
        return p.when.isoformat()

    assert timed.handler({"action": "at", "when": "2024-05-01T00:00:00Z"}, FakeContext()) == (
        "2024-05-01T00:00:00+00:00"
    )
    with pytest.raises(DecodeError) as caught:
        timed.handler({"action": "at", "when": 5}, FakeContext())
    assert caught.value.path == "$.when"
