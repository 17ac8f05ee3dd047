"""The record-source decorators (lambent._record_routes): every decorator adds a route; conflicting, impossible and mis-typed routes fail at registration."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError, LambdaContext, Logger
from lambent._routes import RouteOptions
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.sqs import SQSMessage


class Order(msgspec.Struct):
    id: int


def test_every_record_decorator_adds_a_route() -> None:
    app = App()

    def h(order: Order) -> None: ...

    def plain() -> None: ...

    app.sqs("orders")(h)
    app.kinesis("clicks")(h)
    app.dynamodb("table", events=["INSERT"])(h)
    app.kafka("payments")(h)
    app.mq("queue")(h)
    app.firehose("stream")(h)
    app.sns("topic")(h)
    app.eventbridge(source="shop", detail_type="X")(h)
    app.schedule("nightly")(plain)
    app.logs("/aws/lambda/x")(plain)
    app.ses("example.com")(plain)
    app.s3("bucket", prefix="in/")(plain)
    app.invoke("resize")(h)
    kinds = sorted(r.kind for r in app.routes)
    assert kinds == sorted(
        [
            "sqs", "kinesis-stream", "dynamodb-stream", "kafka", "mq", "firehose", "sns",
            "eventbridge", "schedule", "cloudwatch-logs", "ses", "s3", "direct",
        ]
    )  # fmt: skip


def test_decorators_return_the_function_unchanged() -> None:
    app = App()

    async def handler(order: Order) -> None: ...

    assert app.sqs("orders")(handler) is handler


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("orders", "orders"),
        ("orders", "arn:aws:sqs:us-east-1:123456789012:orders"),
        (None, None),
    ],
)
def test_conflicting_routes_name_both(first: str | None, second: str | None) -> None:
    app = App()

    @app.sqs(first)
    def one(order: Order) -> None: ...

    with pytest.raises(ConfigurationError) as info:

        @app.sqs(second)
        def two(order: Order) -> None: ...

    message = str(info.value)
    assert "one" in message and "two" in message and "conflicts" in message


def test_different_queues_do_not_conflict() -> None:
    app = App()
    app.sqs("a")(lambda order: None)
    app.sqs("arn:aws:sqs:us-east-1:1:b")(lambda order: None)
    app.sqs()(lambda order: None)
    assert len(app.routes) == 3


def test_overlapping_s3_filters_conflict_like_s3_itself() -> None:
    app = App()
    app.s3("b", prefix="in/", events=["ObjectCreated:*"])(lambda: None)
    with pytest.raises(ConfigurationError, match="conflicts"):
        app.s3("b", prefix="in/images/", events=["s3:ObjectCreated:Put"])(lambda: None)
    app.s3("b", prefix="in/images/", events=["ObjectRemoved:*"])(lambda: None)
    app.s3("b")(lambda: None)  # a bucket-wide fallback, tried after the specific ones
    assert [len(r.filters) for r in app.routes.routes("s3")] == [3, 3, 1]


def test_dynamodb_event_filters_conflict_only_when_they_overlap() -> None:
    app = App()
    app.dynamodb("t", events=["INSERT"])(lambda new: None)
    app.dynamodb("t", events=["REMOVE"])(lambda old: None)
    with pytest.raises(ConfigurationError, match="conflicts"):
        app.dynamodb("t", events=["INSERT", "MODIFY"])(lambda new: None)
    app.dynamodb("t")(lambda new: None)  # a table-wide fallback is fine


@pytest.mark.parametrize(
    ("register", "said"),
    [
        (lambda app: app.dynamodb("t", events=["UPSERT"]), "unknown DynamoDB stream events"),
        (lambda app: app.s3("b", events=["ObjectExploded:*"]), "unknown S3 event 'ObjectExploded"),
        (lambda app: app.sqs("q", concurrency=0), "concurrency must be a whole number"),
    ],
)
def test_impossible_routes_raise(register: Any, said: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(said)):
        register(App())(lambda: None)


def test_window_only_for_streams() -> None:
    app = App()
    app.kinesis("s", window=True)(lambda records, state: state)
    plan = next(iter(app.routes)).plan
    assert [p.slot.value for p in plan.params] == ["items", "state"]
    with pytest.raises(ConfigurationError, match="tumbling"):
        app.add_route("sqs", lambda: None, options=RouteOptions(window=True))


def test_unknown_annotation_is_a_registration_error() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="lock"):

        @app.sqs("q")
        def handler(lock: threading.Lock) -> None: ...


def test_two_payload_parameters_are_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="second payload"):

        @app.sqs("q")
        def handler(order: Order, other: Order) -> None: ...


def test_sources_without_payload_refuse_a_payload_type() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="unknown annotation"):

        @app.s3("b")
        def handler(order: Order) -> None: ...


@dataclass
class Shipment:
    id: int


def test_signature_resolution_names_slots() -> None:
    app = App()

    @app.sqs("q")
    def handler(
        ship: Shipment, message: SQSMessage, context: LambdaContext, log: Logger
    ) -> None: ...

    route = next(iter(app.routes))
    assert [(p.name, p.slot.value) for p in route.plan.params] == [
        ("ship", "payload"),
        ("message", "item"),
        ("context", "context"),
        ("log", "logger"),
    ]


def test_whole_batch_parameter_needs_a_batch_source() -> None:
    app = App()

    @app.kinesis("s")
    def batch(records: list[KinesisRecord]) -> None: ...

    with pytest.raises(ConfigurationError, match="whole batch and a single record"):

        @app.kinesis("t")
        def mixed(records: list[KinesisRecord], one: KinesisRecord) -> None: ...


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"concurrency": 0}, "concurrency must be a whole number of at least 1, not 0"),
        ({"concurrency": 2.0}, "concurrency must be a whole number of at least 1, not 2.0"),
        ({"on_decode_error": "skip"}, 'on_decode_error must be "fail" or "drop", not \'skip\''),
    ],
)
def test_a_route_option_out_of_its_range_is_refused_at_registration(
    options: dict[str, Any], said: str
) -> None:
    with pytest.raises(ConfigurationError, match=said):
        App().sqs("q", **options)(lambda body: None)


@pytest.mark.parametrize(
    ("register", "said"),
    [
        (lambda app: app.sqs("q", threaded="yes"), "threaded must be True or False, not str 'yes'"),
        (lambda app: app.cognito("PreSignUp", threaded=1), "threaded must be True or False"),
        (lambda app: app.s3_batch(idempotent="no"), "idempotent must be True or False"),
        (lambda app: app.kinesis("s", sequential=None), "sequential must be True or False"),
    ],
)
def test_a_flag_that_is_not_a_bool_is_refused_at_registration(register: Any, said: str) -> None:
    """A truthy string was taken for True (``threaded="no"`` ran in a worker thread)."""
    with pytest.raises(ConfigurationError, match=said):
        register(App())(lambda body: None)
