"""Handler signatures are resolved at registration: what cannot work fails there, naming
the handler and the parameter (decoding itself: tests/test_decode.py). The
provider seam: a parameter annotated with a ``Provider`` gets ``await provider.provide()``
on every call, in every kind of route."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import msgspec
import pytest

from lambent import App, ConfigurationError
from lambent._inject import Provider
from lambent.sources.kinesis import KinesisRecord
from lambent.testing import FakeContext, kinesis_event, sqs_event


class Plain:
    """A class msgspec accepts as a type but can never decode into."""

    def __init__(self, n: int) -> None:
        self.n = n


class Wrapper(msgspec.Struct):
    items: list[Plain]


@dataclasses.dataclass
class Holder:
    inner: dict[str, Plain]


@pytest.mark.parametrize("tp", [Plain, Wrapper, Holder, list[Plain], Plain | None])
def test_a_payload_type_lambent_cannot_decode_fails_at_registration(tp: Any) -> None:
    app = App()

    def handle(order: Any) -> None:
        pass

    handle.__annotations__ = {"order": tp, "return": None}

    with pytest.raises(ConfigurationError, match=r"handle, parameter 'order'.*not Plain"):
        app.sqs("orders")(handle)
    with pytest.raises(ConfigurationError, match=r"handle, parameter 'order'.*not Plain"):
        app.post("/orders")(handle)
    with pytest.raises(ConfigurationError, match=r"handle, parameter 'order'.*not Plain"):
        app.invoke()(handle)


def test_an_unannotated_parameter_is_named_with_what_it_could_be() -> None:
    app = App()

    def two(body: dict[str, Any], retries) -> None:  # type: ignore[no-untyped-def]
        pass

    def first(body, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
        pass

    def s3(record) -> None:  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(ConfigurationError, match=r"parameter 'retries' has no annotation.*Logger"):
        app.sqs("q")(two)
    with pytest.raises(ConfigurationError, match=r"parameter 'body' has no annotation.*SQSMessage"):
        app.sqs("q")(first)
    with pytest.raises(ConfigurationError, match=r"parameter 'record' has no annotation.*S3Record"):
        app.s3("bucket")(s3)


DECORATORS = [
    ("sqs", "queue"),
    ("sns", "topic"),
    ("kinesis", "stream"),
    ("dynamodb", "table"),
    ("kafka", "topic"),
    ("mq", "queue"),
    ("firehose", "stream"),
    ("s3", "bucket"),
    ("eventbridge", "source"),
    ("schedule", "rule"),
    ("logs", "group"),
    ("ses", "recipient"),
    ("invoke", "name"),
    ("get", "path"),
    ("route", "path"),
    ("websocket", "route key"),
    ("authorizer", "kind"),
    ("edge", "event type"),
]


@pytest.mark.parametrize(("decorator", "field"), DECORATORS)
def test_a_decorator_used_without_parentheses_says_so(decorator: str, field: str) -> None:
    app = App()

    def handler(body: dict[str, Any]) -> None:
        pass

    with pytest.raises(ConfigurationError, match=rf"@app\.{decorator} was used without paren"):
        getattr(app, decorator)(handler)
    with pytest.raises(ConfigurationError, match=rf"the {field} must be a string, not int 42"):
        getattr(app, decorator)(42)


def test_local_annotation_types_get_a_clear_registration_error() -> None:
    from lambent import ConfigurationError

    class Local(msgspec.Struct):
        x: int

    app = App()
    with pytest.raises(ConfigurationError, match="module level"):

        @app.invoke()
        def job(value: Local) -> None: ...


class Counter:
    """A provider that counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def provide(self) -> int:
        self.calls += 1
        return self.calls


COUNTER = Counter()
Ticket = Annotated[int, COUNTER]


def test_the_protocol_is_the_seam() -> None:
    assert isinstance(COUNTER, Provider)


async def test_record_routes_get_a_value_per_call_by_keyword() -> None:
    app = App()
    got: list[tuple[int, dict[str, int]]] = []

    @app.sqs("orders")
    async def handle(ticket: Ticket, body: dict[str, int]) -> None:  # provided first
        got.append((ticket, body))

    start = COUNTER.calls
    event = sqs_event({"n": 1}, {"n": 2}, queue="orders")
    assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert sorted(t for t, _ in got) == [start + 1, start + 2]  # one value per call
    assert sorted(b["n"] for _, b in got) == [1, 2]


async def test_whole_batch_and_invoke_routes_get_it_too() -> None:
    app = App()
    seen: dict[str, Any] = {}

    @app.kinesis("clicks", sequential=True)
    async def batch(records: list[KinesisRecord], ticket: Ticket) -> None:
        seen["batch"] = (len(records), ticket)

    @app.invoke("ping")
    async def ping(payload: dict[str, Any], ticket: Ticket) -> dict[str, int]:
        return {"ticket": ticket}

    await app.dispatch(kinesis_event("{}", "{}", stream="clicks"), FakeContext())
    assert seen["batch"][0] == 2 and isinstance(seen["batch"][1], int)
    answer = await app.dispatch({"action": "ping"}, FakeContext())
    assert isinstance(answer["ticket"], int)


def test_a_plain_def_handler_is_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="async def"):

        @app.sqs("orders")
        def handle(body: str, ticket: Ticket) -> None: ...
