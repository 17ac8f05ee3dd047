"""The source registry: one ordered list, user sources first, kinds derived from it."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError, RoutingError, sources
from lambent.sources import SourceSpec
from lambent.sources._base import Outcome
from lambent.sources._match import Filter, glob, shown
from lambent.testing import FakeContext, eventbridge_event, http_request, sqs_event
from tests import corpus
from tests.sources import _support


class Signup(msgspec.Struct, frozen=True):
    """A custom event: the same top-level shape as an EventBridge event."""

    id: str
    source: str
    detail_type: str = msgspec.field(name="detail-type")
    detail: dict[str, Any] = {}


class Person(msgspec.Struct):
    name: str


def _detect(event: Mapping[str, Any]) -> bool:
    return event.get("source") == "example.signup"


def _filter(flow: str | None = None) -> Filter:
    return Filter(shown(flow=flow), glob(flow))


def _items(event: Signup) -> Sequence[Signup]:
    return (event,)


def _key(event: object, item: Signup) -> Hashable:  # of a signup or a list of them
    return item.detail_type


SIGNUP: SourceSpec[Signup, Signup] = SourceSpec(
    kind="signup",
    requires="detail-type",
    detect=_detect,
    event_type=Signup,
    item_type=Signup,
    items=_items,
    raw_items=None,
    item_id=lambda event: event.id,
    route_key=_key,
    payload=lambda event: event.detail,
    payload_format="python",
    response="single",
    route_filter=_filter,
)


@pytest.fixture
def signup() -> Iterator[SourceSpec[Signup, Signup]]:
    with _support.registered(SIGNUP) as source:
        yield source


def _event(detail_type: str = "SignedUp") -> dict[str, Any]:
    event = eventbridge_event(
        source="example.signup", detail_type=detail_type, detail={"name": "Ada"}
    )
    return event


def test_without_the_user_source_a_built_in_one_claims_the_event() -> None:
    assert sources.detect(_event()) == "eventbridge"


def test_a_user_source_is_detected_before_the_built_ins_and_routed(signup: Any) -> None:
    app = App()
    seen: list[Any] = []

    @app.on("signup", filters={"flow": "Signed*"})
    def welcome(person: Person, event: Signup) -> dict[str, str]:
        seen.append((person, event.id))
        return {"greeting": f"hello {person.name}"}

    event = _event()
    assert sources.detect(event) == "signup"
    assert app.handler(event, FakeContext()) == {"greeting": "hello Ada"}
    assert seen == [(Person("Ada"), event["id"])]
    with pytest.raises(RoutingError, match="no route for this signup event"):
        app.handler(_event("Deleted"), FakeContext())


def test_user_kinds_come_first_and_the_built_in_kinds_derive_from_the_registry(
    signup: Any,
) -> None:
    assert sources.kinds()[0] == "signup"
    assert (*(k for e in sources.SOURCES for k in e.kinds), "direct") == sources.KINDS
    assert next(s.kind for s in sources.specs()) == "signup"
    assert sources.load("signup") == (SIGNUP,)


def test_built_in_kinds_cannot_be_registered_again() -> None:
    taken = msgspec.structs.replace(SIGNUP, kind="sqs")
    with pytest.raises(ConfigurationError, match="built in"):
        sources.register(taken)


def test_routes_for_an_unknown_kind_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown source kind 'signup'"):
        App().on("signup")


def test_what_is_no_source_is_refused_at_registration_naming_what_it_lacks() -> None:
    with pytest.raises(ConfigurationError, match=r"is not an event source: it has no .*detect"):
        sources.register(object())  # type: ignore[arg-type]  # wrong on purpose
    with pytest.raises(ConfigurationError, match="kind must be a non-empty str"):
        sources.register(msgspec.structs.replace(SIGNUP, kind=""))
    assert sources.kinds() == sources.KINDS  # nothing was registered


def _raising_detect(event: Mapping[str, Any]) -> bool:
    return bool(event["flow"])  # a user's bug: not every event has "flow"


@pytest.fixture
def raising() -> Iterator[SourceSpec[Signup, Signup]]:
    with _support.registered(
        msgspec.structs.replace(SIGNUP, requires=None, detect=_raising_detect)
    ) as s:
        yield s


def _apps() -> Iterator[tuple[str, App, dict[str, Any]]]:
    """A plain record app, a plain HTTP app and an async app (each its own road)."""
    plain = App()
    plain.sqs("orders")(lambda body: None)
    yield "plain records", plain, sqs_event({"a": 1}, queue="orders")
    web = App()
    web.get("/x")(lambda: {})
    yield "plain http", web, http_request("GET", "/x")
    awaiting = App()

    @awaiting.sqs("orders")
    async def on_order(body: dict[str, Any]) -> None:
        pass

    yield "async", awaiting, sqs_event({"a": 1}, queue="orders")


def test_a_detector_that_raises_fails_the_invocation_naming_the_source_logged_once(
    raising: Any, lambda_logs: Any
) -> None:
    for road, app, event in _apps():
        lambda_logs()  # the lines so far: read and left behind
        with pytest.raises(RoutingError) as caught:
            app.handler(event, FakeContext(aws_request_id=f"req-{road}"))
        message = str(caught.value)
        assert "source 'signup' could not tell whether the event is its own" in message, road
        assert "KeyError: 'flow'" in message, road
        assert isinstance(caught.value.__cause__, KeyError), road
        failed = [line for line in lambda_logs() if line["event"] == "invocation failed"]
        assert len(failed) == 1, (road, failed)
        assert failed[0]["source"] == "signup" and failed[0]["error"] == message, road
        assert failed[0]["aws_request_id"] == f"req-{road}", road


def _uncached(event: Any) -> str:
    for spec in sources.specs():
        if spec.array:
            continue
        if (spec.requires is None or spec.requires in event) and spec.detect(event):
            return spec.kind
    return "direct"


@pytest.mark.parametrize("row", corpus.params())
def test_detection_by_shape_is_the_ordered_scan(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    if not isinstance(event, dict):
        return
    first, again = sources.detect(event), sources.detect(event)  # the second by its shape
    assert first == again == _uncached(event)


def test_shapes_remembered_are_bounded() -> None:
    sources.specs()
    for i in range(2 * sources._MAX_SHAPES):
        assert sources.detect({f"key{i}": 1}) == "direct"
    assert len(sources._candidates) <= sources._MAX_SHAPES
    event = http_request("GET", "/x", source="apigw-rest")
    assert sources.detect(event) == "apigw-rest"  # a shape past the bound is still scanned


def test_each_registry_entry_names_what_its_module_declares() -> None:
    for entry in sources.SOURCES:
        specs = sources.module(entry.module).SPECS
        assert {s.kind for s in specs} == set(entry.kinds)
        assert {s.web.role if s.web is not None else None for s in specs} == {entry.web}
    assert {s.kind for s in sources.web("request")} == {
        "apigw-rest",
        "apigw-http",
        "function-url",
        "alb",
    }


def test_each_registry_entry_names_the_keys_its_sources_require() -> None:
    for entry in sources.SOURCES:
        assert entry.keys, entry.module
        for spec in sources.module(entry.module).SPECS:
            if spec.requires is not None:
                assert spec.requires in entry.keys, (entry.module, spec.requires)


@pytest.mark.parametrize("row", corpus.params())
def test_a_source_claims_only_events_with_one_of_its_registry_keys(
    row: corpus.Row | None,
) -> None:
    # what lets detection leave a module unimported when the event has none of its keys
    event = corpus.load(row)
    if not isinstance(event, dict):
        return
    for entry in sources.SOURCES:
        claims = [s for s in sources.module(entry.module).SPECS if not s.array and s.detect(event)]
        assert entry.keys is not None
        if claims:
            assert any(key in event for key in entry.keys), (entry.module, sorted(event))


def _tally(outcome: Outcome) -> list[Any]:
    """An ``answer``: each item's result, or its error's type name, in order."""
    return [
        type(err).__name__ if err is not None else result
        for result, err in zip(outcome.results, outcome.errors, strict=True)
    ]


TALLY: SourceSpec[list[Signup], Signup] = SourceSpec(
    kind="signup-tally",
    detect=_detect,
    event_type=list[Signup],
    item_type=Signup,
    items=lambda event: event,
    raw_items=None,
    item_id=lambda item: item.id,
    route_key=_key,
    payload=lambda item: item.detail,
    payload_format="python",
    route_filter=_filter,
    answer=_tally,
    array=True,
)


@pytest.fixture
def tally() -> Iterator[SourceSpec[list[Signup], Signup]]:
    with _support.registered(TALLY) as source:
        yield source


def test_an_array_source_claims_top_level_arrays_only(tally: Any) -> None:
    assert sources.detect([_event(), _event()]) == "signup-tally"
    assert sources.detect(_event()) == "eventbridge"  # a single event is not its
    assert sources.detect([{"source": "other"}]) == "direct"
    assert sources.detect([]) == "direct"


def test_an_answer_sees_every_outcome_in_order_even_unrouted_ones(tally: Any) -> None:
    app = App()

    @app.on("signup-tally", filters={"flow": "Signed*"})
    def count(person: Person) -> str:
        if person.name == "Bob":
            raise ValueError("no Bob")
        return person.name

    bob = _event()
    bob["detail"] = {"name": "Bob"}
    assert app.handler([_event(), bob, _event("Deleted")], FakeContext()) == [
        "Ada",
        "ValueError",
        "RoutingError",
    ]
    assert app.handler([_event("Deleted")], FakeContext()) == ["RoutingError"]


def test_a_threaded_source_runs_plain_handlers_in_worker_threads() -> None:
    """``threaded=True`` on a spec: its plain handlers leave the calling thread, whatever
    the route says (CloudFormation relies on it to answer at the deadline)."""
    spec = msgspec.structs.replace(SIGNUP, kind="signup-threaded", threaded=True)
    sources.register(spec)
    try:
        app = App()
        ran: list[bool] = []

        @app.on("signup-threaded", threaded=False)
        def welcome(person: Person) -> None:
            ran.append(threading.current_thread() is threading.main_thread())

        app.handler(_event(), FakeContext())
        assert ran == [False]
    finally:
        sources.unregister(spec)


def test_every_source_is_a_module_a_factory_a_docs_page_and_a_test_module() -> None:
    """What docs/architecture.md's "Adding a source" asks for, for every registry line."""
    from pathlib import Path

    from lambent.testing import FACTORIES

    root = Path(__file__).resolve().parents[2]
    assert sorted(FACTORIES) == sorted(sources.KINDS)
    pages = {p.stem for p in (root / "docs" / "sources").glob("*.md")}
    assert pages == set(sources.KINDS)
    for entry in sources.SOURCES:
        assert (root / "framework" / "lambent" / "sources" / f"{entry.module}.py").is_file()
        assert (root / "tests" / "sources" / f"test_{entry.module}.py").is_file(), entry.module


def test_first_claimant_names_the_source_detection_asks_first() -> None:
    """SQS is asked first about ``{"Records": [...]}`` events, until a user source that
    may claim them is registered ahead of it (which changes the generation); SNS never is
    (SQS comes before it), nor a source about events without its key."""
    sqs, sns = sources.load("sqs")[0], sources.load("sns")[0]
    assert sources.first_claimant(sqs, "Records")
    assert not sources.first_claimant(sns, "Records")
    assert not sources.first_claimant(sqs, "records")
    before = sources.generation()
    spec = msgspec.structs.replace(SIGNUP, kind="records-first", requires="Records")
    sources.register(spec)
    try:
        assert sources.generation() != before
        assert not sources.first_claimant(sqs, "Records")
        assert sources.first_claimant(spec, "Records")
    finally:
        sources.unregister(spec)
    assert sources.first_claimant(sqs, "Records")
