"""The one resolver: ``resolve_params`` walks a handler's signature once and hands each
parameter to its route kind's ``Rules`` (the shared slots, ``Depends`` and the rest), and
handler signatures are resolved at registration: what cannot work fails there, naming
the handler and the parameter (decoding itself: tests/test_decode.py; each kind's rules:
tests/test_record_params.py, tests/http/test_named.py, tests/http/test_params.py). The
provider seam: a parameter annotated with a ``Provider`` gets ``await provider.provide()``
on every call, in every kind of route."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio.lowlevel
import msgspec
import pytest

from lambent import App, ConfigurationError, Depends, LambdaContext, Logger
from lambent._inject import Provider, Slot, resolve_params, shared_slot
from lambent.metrics import Metrics
from lambent.sources.kinesis import KinesisRecord
from lambent.testing import (
    FakeContext,
    TestClient,
    authorizer_event,
    cloudfront_event,
    kinesis_event,
    sqs_event,
)


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


async def numbered(ticket: Ticket, q: int = 0) -> int:  # a Depends provider's own parameters
    return ticket * 100 + q


def test_http_authorizer_and_edge_routes_get_it_too() -> None:
    app = App()
    seen: dict[str, Any] = {}

    @app.get("/ticket")
    async def ticket(ticket: Ticket, n: int = 0) -> dict[str, int]:  # not a query parameter
        return {"ticket": ticket, "n": n}

    @app.get("/numbered/{n}")
    async def by_provider(n: int, value: Annotated[int, Depends(numbered)]) -> dict[str, int]:
        return {"n": n, "value": value}

    @app.authorizer("TOKEN")
    async def token(token: str, ticket: Ticket) -> bool:
        seen["authorizer"] = ticket
        return True

    @app.edge("viewer-request")
    async def edge(ticket: Ticket, request: Any) -> None:
        seen["edge"] = (ticket, request.uri)

    answer = TestClient(app).get("/ticket?n=2&ticket=x").json()
    assert isinstance(answer["ticket"], int) and answer["n"] == 2
    answer = TestClient(app).get("/numbered/4?q=3").json()
    assert answer["n"] == 4 and answer["value"] % 100 == 3 and answer["value"] > 100
    app.handler(authorizer_event("token", token="Bearer t"), FakeContext())
    app.handler(cloudfront_event("viewer-request", uri="/a"), FakeContext())
    assert isinstance(seen["authorizer"], int)
    assert isinstance(seen["edge"][0], int) and seen["edge"][1] == "/a"


def _provider() -> int:
    return 1


@pytest.mark.parametrize(
    ("decorator", "arg"),
    [
        ("sqs", "q"),
        ("invoke", "ping"),
        ("websocket", "$default"),
        ("authorizer", "TOKEN"),
        ("edge", "viewer-request"),
    ],
)
def test_depends_outside_http_routes_is_refused_the_same_way(decorator: str, arg: str) -> None:
    def handler(user: Annotated[int, Depends(_provider)] = 0) -> None:
        pass

    with pytest.raises(
        ConfigurationError, match=r"handler, parameter 'user': Depends\(\) is available on HTTP"
    ):
        getattr(App(), decorator)(arg)(handler)


@pytest.mark.parametrize(
    ("decorator", "arg"),
    [("get", "/u"), ("sqs", "q"), ("invoke", "ping"), ("authorizer", "TOKEN")],
)
def test_depends_written_as_a_default_fails_at_registration_saying_where_it_goes(
    decorator: str, arg: str
) -> None:
    # the ``user: int = Depends(provider)`` of other frameworks: read as a default, the
    # handler would get the marker, and the provider would never run
    def handler(user: int = Depends(_provider)) -> None:  # type: ignore[assignment]
        pass

    with pytest.raises(
        ConfigurationError, match=r"handler, parameter 'user': a Depends\(\)"
    ) as info:
        getattr(App(), decorator)(arg)(handler)
    assert "write `user: Annotated[int, Depends(_provider)]`" in str(info.value)


@pytest.mark.parametrize(
    ("name", "ann", "slot"),
    [
        ("context", inspect.Parameter.empty, Slot.CONTEXT),
        ("ctx", LambdaContext, Slot.CONTEXT),
        ("ctx", LambdaContext | None, Slot.CONTEXT),
        ("logger", inspect.Parameter.empty, Slot.LOGGER),
        ("log", inspect.Parameter.empty, Slot.LOGGER),
        ("out", Logger, Slot.LOGGER),
        ("out", Logger | None, Slot.LOGGER),
        ("m", Metrics, Slot.METRICS),
        ("m", Metrics | None, Slot.METRICS),
        ("context", str, None),  # annotated: the annotation decides
        ("body", inspect.Parameter.empty, None),
        ("body", dict[str, Any], None),
        ("both", LambdaContext | Logger, None),
        ("wrapped", Annotated[Logger, "x"], None),  # markers are the route kind's
    ],
)
def test_the_shared_slots_are_recognised_in_one_place(name: str, ann: Any, slot: Any) -> None:
    assert shared_slot(name, ann) is slot


class Noting:
    """Rules of a made-up route kind: each parameter becomes a tuple of what the walk
    handed over; parameters with a default are left out."""

    def shared(self, p: inspect.Parameter, slot: Slot, ann: Any) -> tuple[str, ...]:
        return (p.name, "shared", slot.value, p.kind.name)

    def depends(
        self, p: inspect.Parameter, ann: Any, marker: Depends, label: str
    ) -> tuple[str, ...]:
        return (p.name, "depends", marker.provider.__name__, label)

    def param(self, p: inspect.Parameter, ann: Any, label: str) -> tuple[str, ...] | None:
        if p.default is not inspect.Parameter.empty:
            return None
        return (p.name, "param", label, p.kind.name)


async def walked(  # type: ignore[no-untyped-def]  # ``log`` is taken by its name alone
    order: dict[str, int],
    ctx: LambdaContext,
    log,
    user: Annotated[int, Depends(_provider)],
    ticket: Ticket,
    after: str,
    retries: int = 3,
    *,
    metrics: Metrics | None,
) -> tuple[Any, ...]:
    return (order, ctx, log, user, ticket, after, retries, metrics)


async def test_one_walk_hands_each_parameter_to_the_route_kinds_rules() -> None:
    found = resolve_params(walked, "toy route", Noting())
    name = f"{__name__}.walked"
    label = f"toy route: {name}, parameter"
    assert found.name == name and found.is_async
    assert found.params == (
        ("order", "param", f"{label} 'order'", "POSITIONAL_OR_KEYWORD"),
        ("ctx", "shared", "context", "POSITIONAL_OR_KEYWORD"),
        ("log", "shared", "logger", "POSITIONAL_OR_KEYWORD"),
        ("user", "depends", "_provider", f"{label} 'user'"),
        # after a provided parameter: passed by keyword
        ("after", "param", f"{label} 'after'", "KEYWORD_ONLY"),
        ("metrics", "shared", "metrics", "KEYWORD_ONLY"),
    )
    # the handler with its provided parameter filled in on every call
    assert found.fn is not walked
    start = COUNTER.calls
    got = await found.fn({}, None, None, 0, after="a", metrics=None)
    assert got[4] == start + 1 and got[5:] == ("a", 3, None)


def test_without_provided_parameters_the_handler_is_called_as_it_is() -> None:
    def plain(order: dict[str, int], context) -> None:  # type: ignore[no-untyped-def]
        pass

    found = resolve_params(plain, "toy route", Noting())
    assert found.fn is plain and not found.is_async
    assert [p[:2] for p in found.params] == [("order", "param"), ("context", "shared")]


@pytest.mark.parametrize("bad", [42, print])
def test_what_has_no_signature_to_walk_is_refused_naming_the_route(bad: Any) -> None:
    def positional(a: int, /) -> None:
        pass

    with pytest.raises(ConfigurationError, match="toy route: "):
        resolve_params(bad if bad == 42 else positional, "toy route", Noting())


class Order(msgspec.Struct):
    n: int


def _tagged(order: Order, tag: str, seen: list[str]) -> None:
    seen.append(f"{tag}:{order.n}")


class _Seen:
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen


class _Counter(_Seen):
    def __call__(self, order: Order) -> None:
        self.seen.append(f"object:{order.n}")


class _AsyncCounter(_Seen):
    async def __call__(self, order: Order) -> None:
        await anyio.lowlevel.checkpoint()
        self.seen.append(f"async object:{order.n}")


@pytest.mark.parametrize("is_async_app", [False, True], ids=["plain app", "app on a loop"])
def test_a_partial_or_a_callable_object_is_a_handler_as_its_function_is(
    is_async_app: bool,
) -> None:
    """A ``functools.partial`` is its function less the parameters it fills by keyword;
    an object with ``__call__`` is that method (an ``async`` one is awaited)."""
    seen: list[str] = []
    app = App()
    app.sqs("a")(functools.partial(_tagged, tag="partial", seen=seen))
    app.sqs("b")(_Counter(seen))
    if is_async_app:
        app.sqs("c")(_AsyncCounter(seen))
    for queue, n in (("a", 1), ("b", 2), ("c", 3)):
        if queue == "c" and not is_async_app:
            continue
        out = app.handler(sqs_event({"n": n}, queue=queue), FakeContext())
        assert out == {"batchItemFailures": []}
    assert seen == ["partial:1", "object:2", *(["async object:3"] if is_async_app else [])]


def _bare_wrapper(fn: Any) -> Any:
    """A user's decorator that forgot ``functools.wraps``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def _wrapping(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    ("decorator", "arg"),
    [
        ("sqs", "q"),
        ("invoke", "go"),
        ("eventbridge", None),
        ("get", "/x"),
        ("websocket", "$default"),
    ],
)
def test_a_handler_taking_only_args_and_kwargs_is_refused_saying_why(
    decorator: str, arg: str | None
) -> None:
    # lambent passes parameters by name: such a handler would be called with nothing
    # (a wrapper's inner call then fails on every record or request)
    with pytest.raises(ConfigurationError, match=r"_bare_wrapper.<locals>.wrapper takes only "
                       r"\*args/\*\*kwargs.*functools.wraps"):  # fmt: skip
        getattr(App(), decorator)(arg)(_bare_wrapper(_tagged))


def test_a_wrapper_made_with_functools_wraps_is_its_handler() -> None:
    seen: list[str] = []

    def on_order(order: Order, *rest: Any, **more: Any) -> None:  # named ones are passed
        seen.append(f"wrapped:{order.n}")

    app = App()
    app.sqs("q")(_wrapping(on_order))
    out = app.handler(sqs_event({"n": 7}, queue="q"), FakeContext())
    assert out == {"batchItemFailures": []} and seen == ["wrapped:7"]


def _generator(body: dict[str, Any]) -> Iterator[int]:
    yield 1


async def _async_generator(body: dict[str, Any]) -> AsyncIterator[int]:
    yield 1


@pytest.mark.parametrize("fn", [_generator, _async_generator])
@pytest.mark.parametrize(
    ("decorator", "arg"), [("sqs", "q"), ("invoke", "go"), ("eventbridge", None)]
)
def test_a_generator_function_is_refused_where_its_body_would_never_run(
    fn: Any, decorator: str, arg: str | None
) -> None:
    # called, it returns a generator: the record would count as done with nothing run
    with pytest.raises(
        ConfigurationError, match=r"is a generator function: its body would never run"
    ):
        getattr(App(), decorator)(arg)(fn)


def test_an_http_route_streams_from_an_async_generator_and_refuses_a_plain_one() -> None:
    """Its generator would be no answer (a 500 at every request): refused, saying how a
    route streams."""
    app = App()

    @app.get("/s")
    async def stream() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    with pytest.raises(
        ConfigurationError, match=r"generator function; a route streams from an async"
    ):
        app.get("/plain")(_generator)
    assert TestClient(app).get("/s").text == "ab"
