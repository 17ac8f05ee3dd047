"""``app.handler``'s contract, fuzzed: real events of every source (the shared corpus and
``lambent.testing``'s factories), mutated by hypothesis (missing keys, wrong types, bad
base64, odd unicode, numbers out of range), run through an app whose handlers raise odd
exceptions or return odd values, and in half the apps the user's code at every other
extension point too (batch hooks, middleware, a dependency, an exception handler).

What must hold for every one of them: nothing but a documented lambent error (or, for a
single event, the handler's own ``Exception``, passed on as Lambda expects) leaves
``app.handler``, and every record of a batch ends succeeded, reported as failed, or
dropped by the route's choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as event_note
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App, Depends, LambdaContext, LambentError, Logger, Request, detect, sources
from lambent._fast import FAST, general_path
from lambent.http import CallNext, Response
from lambent.sources.appsync import AppSyncResolverEvent
from lambent.sources.cloudwatch_logs import LogEvent
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.firehose import FirehoseRecord
from lambent.sources.kafka import KafkaRecord
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.mq import ActiveMQMessage, RabbitMQMessage
from lambent.sources.s3 import S3Record
from lambent.sources.s3_batch import S3BatchTask
from lambent.sources.ses import SESRecord
from lambent.sources.sns import SNSRecord
from lambent.sources.sqs import SQSMessage
from lambent.testing import FACTORIES, FakeContext, sample_event, websocket_event
from tests import corpus
from tests.sources._support import local_response_url


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


class Halt(BaseException):
    """A user's own BaseException."""


RAISES: dict[str, Callable[[], BaseException]] = {
    "raise": lambda: ValueError("handler failed"),
    "unprintable": Unprintable,
    "keyboard": KeyboardInterrupt,
    "exit": lambda: SystemExit(1),
    "halt": Halt,
    "cancelled": asyncio.CancelledError,
}
RETURNS: dict[str, Callable[[], Any]] = {
    "ok": lambda: None,
    "value": lambda: {"ok": True, "n": 1},
    "object": object,
    "nested-object": lambda: {"x": [object()]},
    "big-int": lambda: 2**80,
    "surrogate": lambda: {"text": "\ud800"},
}


class Behaviour:
    """What every handler does in the current example, and what it did."""

    def reset(self, *modes: str) -> None:
        """Calls take ``modes`` in turn (records of one batch behave differently)."""
        self.modes = modes
        self.calls = 0
        self.raised: list[BaseException] = []
        self.returned = 0
        self.hooks = 0

    def act(self, ok: Any = None) -> Any:
        mode = self.modes[self.calls % len(self.modes)]
        self.calls += 1
        make = RAISES.get(mode)
        if make is not None:
            error = make()
            self.raised.append(error)
            raise error
        self.returned += 1
        return ok if mode == "ok" else RETURNS[mode]()

    def hook(self) -> Any:
        """What the user's code around the handlers does (hooks, middleware, providers,
        exception handlers): the modes in turn too, neither counted as a handler's call
        nor as its own exception (none may leave ``app.handler`` as it is)."""
        mode = self.modes[self.hooks % len(self.modes)]
        self.hooks += 1
        make = RAISES.get(mode)
        if make is not None:
            raise make()
        return None if mode == "ok" else RETURNS[mode]()


def build(
    behaviour: Behaviour,
    *,
    is_async: bool,
    full: bool,
    compiled: bool = False,
    hooked: bool = False,
) -> App:
    """One route for every source, each running ``behaviour``. ``full``: record handlers
    also take the record Struct and a logger (and log with it), SQS takes whole batches.
    ``compiled``: shaped for the compiled roads of a plain app: no custom resource route
    (threaded, as such routes are by default, it keeps the app on an event loop), no S3
    route (S3 notifications inside SQS, SNS or EventBridge records keep record batches
    off the bytes roads), HTTP routes that take their path parameter instead of the
    ``Request``. ``hooked``: the user's code at every extension point runs ``behaviour``
    too: batch hooks, an HTTP middleware (after the handler answered), a dependency of
    the HTTP routes (before its ``yield`` and after it), and an exception handler."""
    app = App()
    extra: dict[str, Any] = {}
    if hooked:
        app.before_batch(lambda info: behaviour.hook())
        app.after_batch(lambda info: behaviour.hook())

        @app.middleware
        async def around(request: Request, call_next: CallNext) -> Response:
            response = await call_next(request)
            behaviour.hook()
            return response

        @app.exception_handler(ValueError)
        def on_value_error(request: Request, exc: ValueError) -> Response:
            behaviour.hook()
            return Response({"handled": True}, status=400)

        def provider() -> Iterator[Any]:
            yield behaviour.hook()
            behaviour.hook()

        extra = {"dependency": Annotated[Any, Depends(provider)]}

    def run(ok: Any, *args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, Logger):
                arg.info("handling", args=len(args))
        return behaviour.act(ok)

    def typed(annotations: dict[str, Any], ok: Any = None) -> Callable[..., Any]:
        """A handler declaring ``annotations`` as its parameters."""

        def call(*args: Any, **kwargs: Any) -> Any:
            return run(ok, *args, **kwargs)

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            return run(ok, *args, **kwargs)

        fn: Callable[..., Any] = call_async if is_async else call
        fn.__annotations__ = {**annotations, "return": Any}
        # what inspect.signature reads: the parameters the handler declares
        fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in annotations]
        )
        return fn

    def record(item: Any, body: Any = Any) -> dict[str, Any]:
        return {"body": body, "record": item, "log": Logger} if full else {"body": body}

    if full:
        app.sqs()(typed({"records": list[SQSMessage]}))
    else:
        app.sqs()(typed(record(SQSMessage)))
    app.sns()(typed(record(SNSRecord)))
    app.kinesis(on_decode_error="drop")(typed(record(KinesisRecord)))
    app.dynamodb()(typed(record(DynamoDBRecord)))
    app.kafka()(typed(record(KafkaRecord)))
    app.mq()(typed(record(ActiveMQMessage | RabbitMQMessage)))
    app.firehose()(typed(record(FirehoseRecord)))
    app.eventbridge()(typed(record(EventBridgeEvent)))
    app.schedule()(typed({"context": LambdaContext}))
    app.logs()(typed(record(LogEvent, str)))  # log lines are text, rarely JSON
    if not compiled:
        app.s3()(typed({"record": S3Record}))
    app.ses()(typed({"record": SESRecord}))
    app.invoke()(typed({"payload": Any}))
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
    app.route("/", methods)(typed({} if compiled else {"request": Request, **extra}))
    app.route("/{proxy+}", methods)(
        typed({"proxy": str} if compiled else {"request": Request, **extra})
    )
    app.websocket("$default")(typed({"body": Any}))
    app.authorizer()(typed({"context": LambdaContext}, ok=True))
    for trigger in ("viewer-request", "origin-request", "viewer-response", "origin-response"):
        app.edge(trigger)(typed({"context": LambdaContext}))
    app.cognito()(typed({"body": Any}))
    app.appsync()(typed(record(AppSyncResolverEvent)))
    if not compiled:
        app.custom_resource()(typed({"body": Any}))
    app.s3_batch()(typed({"record": S3BatchTask}))
    app.bedrock_agent()(typed({"body": Any}))
    return app


BEHAVIOUR = Behaviour()
BEHAVIOUR.reset("ok")
APPS = {
    (is_async, full, hooked): build(BEHAVIOUR, is_async=is_async, full=full, hooked=hooked)
    for is_async in (False, True)
    for full in (False, True)
    for hooked in (False, True)
}


def _seeds() -> dict[str, list[Any]]:
    """The real events by the kind lambent detects (every factory's sample, every corpus
    event), custom resource responses pointed at 127.0.0.1."""
    events: list[Any] = [sample_event(kind) for kind in FACTORIES]
    # the sample WebSocket message has an empty body, which no JSON-typed handler takes
    events.append(websocket_event(json={"action": "fuzz"}))
    for row in corpus.rows():
        if row.file.suffix == ".json":
            try:
                events.append(row.load())
            except ValueError:
                continue
    by_kind: dict[str, list[Any]] = {}
    for event in events:
        by_kind.setdefault(detect(event), []).append(local_response_url(event))
    return by_kind


#: seeds by kind: examples are drawn kind first, so that every source gets its share
SEEDS = _seeds()

ODD_TEXT = [
    "",
    "abc",
    "!!!not base64!!!",
    "\ud800",
    "id-\udfff-x",
    "\x00",
    "\u202eevil",
    "\U0001d518\U0001f600",
    "\r\nX-Injected: 1",
    "1e99999999",
    "NaN",
    "x" * 5000,
]
ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    10**30,
    1.5,
    math.inf,
    True,
    [],
    {},
    [None],
    {"": None},
    *ODD_TEXT,
]


def _paths(value: Any, prefix: tuple[Any, ...] = (), limit: int = 400) -> list[tuple[Any, ...]]:
    """Paths to the nodes of a JSON value (breadth first, bounded)."""
    out: list[tuple[Any, ...]] = []
    queue: list[tuple[tuple[Any, ...], Any]] = [(prefix, value)]
    while queue and len(out) < limit:
        path, node = queue.pop(0)
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in children:
            out.append((*path, key))
            queue.append(((*path, key), child))
    return out


def _mutate(event: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if how == "delete":
        del parent[key]
    elif how == "replace":
        parent[key] = copy.deepcopy(value)
    elif how == "b64" and isinstance(parent[key], str):
        parent[key] = parent[key][:-1] + "*" if parent[key] else "*"
    elif how == "append" and isinstance(parent[key], str):
        parent[key] = parent[key] + "\ud800"
    return event


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(sorted(SEEDS)))
    event = copy.deepcopy(draw(st.sampled_from(SEEDS[kind])))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["delete", "replace", "replace", "b64", "append"]))
        event = _mutate(event, path, how, draw(st.sampled_from(ODD_VALUES)))
    return event


def _check_batch(
    event: Any, out: Any, logs: Sequence[Mapping[str, Any]], kind: str, whole: bool
) -> None:
    """Every record ends succeeded, reported, or dropped by the route's choice."""
    found = [e for e in logs if e["event"] == "batch processed"]
    if not found:
        return
    [summary] = found
    size = summary["size"]
    counts = ("succeeded", "failed", "skipped", "not_started", "dropped")
    assert sum(summary[c] for c in counts) == size
    if not whole:  # one call per record: no more successes than calls that returned
        assert summary["succeeded"] <= BEHAVIOUR.returned
    if kind != "kinesis-stream":
        assert summary["dropped"] == 0  # only that route drops what does not decode
    unfinished = size - summary["succeeded"] - summary["dropped"]
    spec = sources.spec_for(event)
    if spec is not None and spec.answer is not None:
        # the source answers in its own shape, one answer per item (failures included)
        if isinstance(out, list):
            assert len(out) == size
        elif isinstance(out, dict) and "results" in out:  # S3 Batch
            assert len(out["results"]) == size
        return
    if isinstance(out, dict) and "batchItemFailures" in out:
        failures = out["batchItemFailures"]
        assert len(failures) == unfinished
        assert all(f["itemIdentifier"] not in (None, "") for f in failures)
    elif isinstance(out, dict) and "records" in out:  # Firehose
        results = [r["result"] for r in out["records"]]
        assert len(results) == size
        assert results.count("ProcessingFailed") == unfinished
    else:  # a source without partial responses: a failure fails the invocation
        assert unfinished == 0


@pytest.mark.slow
@settings(
    # a few seconds in the suite; LAMBENT_FUZZ_EXAMPLES=20000 for a deeper search
    max_examples=int(os.environ.get("LAMBENT_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    event=mutated_events(),
    modes=st.lists(st.sampled_from([*RETURNS, *RAISES]), min_size=1, max_size=3),
    is_async=st.booleans(),
    full=st.booleans(),
    hooked=st.booleans(),
    seconds_left=st.sampled_from([None, 300.0, 0.2]),
)
def test_only_documented_errors_leave_the_handler_and_no_record_is_lost(
    event: Any,
    modes: list[str],
    is_async: bool,
    full: bool,
    hooked: bool,
    seconds_left: float | None,
) -> None:
    BEHAVIOUR.reset(*modes)
    # no deadline, a distant one, or one already inside the app's margin
    context = FakeContext() if seconds_left is None else FakeContext(timeout=seconds_left)
    try:
        kind = detect(event)
    except LambentError:
        kind = "direct"
    event_note(f"detected as {kind}")
    escaped: BaseException | None = None
    with capture_logs() as logs:
        try:
            out = APPS[is_async, full, hooked].handler(event, context)
        except LambentError:
            return
        except BaseException as exc:
            escaped = exc
    if escaped is not None:
        # a single event passes the handler's own Exception on, as Lambda expects;
        # anything else leaving app.handler is a bug
        own = any(escaped is raised for raised in BEHAVIOUR.raised)
        assert own and isinstance(escaped, Exception), f"{escaped!r} escaped app.handler"
        return
    if isinstance(out, dict) and "statusCode" in out:
        assert isinstance(out["statusCode"], int)
    _check_batch(event, out, logs, kind, whole=full and kind == "sqs")


def test_every_source_is_seeded_and_reaches_a_handler_of_the_fuzzed_apps() -> None:
    """The fuzz covers every registered source: it has real events of each kind, and each
    app routes an unmutated one of them to a handler."""
    assert set(SEEDS) == set(sources.KINDS)
    for (is_async, full, _), app in APPS.items():
        missed = []
        for kind, seeds in SEEDS.items():
            BEHAVIOUR.reset("ok")
            for seed in seeds:
                with contextlib.suppress(LambentError):
                    app.handler(copy.deepcopy(seed), FakeContext())
                if BEHAVIOUR.calls:
                    break
            else:
                missed.append(kind)
        assert missed == [], f"async={is_async} full={full}: no seed of {missed} was handled"


def test_the_fuzz_is_seeded_with_every_corpus_event() -> None:
    """Beside the factories' samples, every real event of the corpus seeds the fuzz."""
    corpus.require()
    real = [row for row in corpus.rows() if row.file.suffix == ".json"]
    assert real
    assert sum(map(len, SEEDS.values())) == len(FACTORIES) + 1 + len(real)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # an exception whose text cannot be read
        return "<unprintable>"


def _comparable(out: Any) -> Any:
    """An answer as JSON compares it; one that is no JSON (a handler's own object, passed
    on as it is) by its type."""
    try:
        msgspec.json.encode(out)
    except (TypeError, ValueError, OverflowError):
        return ("not JSON", type(out).__name__)
    return out


def context_with(seconds_left: float | None) -> FakeContext:
    """A context with no deadline, or one ``seconds_left`` away."""
    if seconds_left is None:
        return FakeContext(aws_request_id="r-1")
    return FakeContext(aws_request_id="r-1", timeout=seconds_left)


def answer_both_ways(
    run: Callable[[App], Any], mode: str, *, is_async: bool, full: bool
) -> tuple[Any, Any]:
    """``run(app)``'s answer (or the exception's type and text), the handler calls made
    and the lines logged (their message, level, error and record), on an app frozen with
    every fast road on, then on one frozen with them off but for the lean decoding (lean
    Structs and views read only the fields they hold: an event damaged elsewhere is
    answered from them on both roads). The app is shaped for the compiled roads
    (``build(compiled=True)``)."""

    def once() -> Any:
        BEHAVIOUR.reset(mode)
        app = build(BEHAVIOUR, is_async=is_async, full=full, compiled=True)
        with capture_logs() as logs:
            try:
                out: Any = _comparable(run(app))
            except BaseException as exc:  # what leaves, compared as it reads
                out = (type(exc).__name__, _text(exc))
            finally:
                app._close_at_exit()
        lines = [(e["event"], e["log_level"], e.get("error"), e.get("record_id")) for e in logs]
        return out, BEHAVIOUR.calls, lines

    fast = once()
    with general_path():
        FAST.lean_records = FAST.lean_views = True
        general = once()
    return fast, general


#: the settings of the tests comparing the fast roads with the general path (a fifth of
#: ``LAMBENT_FUZZ_EXAMPLES``: each example builds and freezes two apps)
compared_roads = settings(
    max_examples=int(os.environ.get("LAMBENT_FUZZ_EXAMPLES", "1000")) // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: what those tests draw: a mutated real event, one behaviour for every handler (so the
#: order in which independent keys run cannot change the answer), the app's shape, and
#: no deadline or one already passed (nothing may start, no retry fits: the same on both
#: roads, whenever each runs)
COMPARED = {
    "event": mutated_events(),
    "mode": st.sampled_from([*RETURNS, *RAISES]),
    "is_async": st.booleans(),
    "full": st.booleans(),
    "seconds_left": st.sampled_from([None, 0.0]),
}


@pytest.mark.slow
@compared_roads
@given(**COMPARED)
def test_the_fast_roads_answer_mutated_events_as_the_general_path(
    event: Any, mode: str, is_async: bool, full: bool, seconds_left: float | None
) -> None:
    """Real events of every source, mutated, through an app's fast roads (raw records,
    fused and inline runs, compiled HTTP routes, loop-free) and through the general path:
    the same answer or error, the same handler calls, the same log lines. Every record
    behaves alike, so the order in which independent keys run cannot change the answer."""
    fast, general = answer_both_ways(
        lambda app: app.handler(copy.deepcopy(event), context_with(seconds_left)),
        mode,
        is_async=is_async,
        full=full,
    )
    assert fast == general
