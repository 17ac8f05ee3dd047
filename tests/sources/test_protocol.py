"""``EventSource``: what the pipeline asks a source, and nothing else. ``SourceSpec`` is its
standard implementation, but any object with these members is a source: here a user's
own class, a batch source with partial batch responses, registered and routed."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal

import msgspec
import pytest
from structlog.testing import capture_logs

from lambent import App, RoutingError, sources
from lambent.sources import SourceSpec
from lambent.sources._base import (
    Outcome,
    PayloadFormat,
    Pollable,
    RawView,
    ResponseMode,
    WebSpec,
    list_where,
)
from lambent.sources._bytes import decode_general
from lambent.sources._match import Filter, Overlap, glob_filter
from lambent.sources._protocol import EventSource
from lambent.testing import FakeContext
from tests.sources import _support


def _members(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


def test_the_protocol_is_exactly_what_source_spec_declares() -> None:
    """No member the pipeline asks for is missing from the standard implementation, and
    the standard implementation declares nothing the protocol does not name."""
    assert _members(EventSource) == set(SourceSpec.__struct_fields__) | {"decode_bytes"}


class Count(msgspec.Struct, frozen=True):
    id: str
    counter: str
    n: int


class Counts(msgspec.Struct, frozen=True):
    counts: list[Count]


class By(msgspec.Struct):
    n: int


@dataclasses.dataclass(frozen=True)
class Counters:
    """A user's source written from the protocol alone: ``{"counts": [{id, counter, n}]}``,
    answered with a partial batch response."""

    kind: str = "counts"
    requires: str | None = "counts"
    event_type: type[Any] = Counts
    item_type: type[Any] = Count
    lean: tuple[type[Any], type[Any]] | None = None
    bare: tuple[type[Any], type[Any]] | None = None
    bare_keyed: Callable[[Any], tuple[type[Any], Hashable] | None] | None = None
    bare_claim: Callable[[Hashable], type[Any] | None] | None = None
    raw_report_id: Callable[[Any], Any] | None = None
    report_id: Callable[[Any], Any] | None = None
    item_label: Callable[[Any], str] | None = None
    overlaps: Overlap | None = None
    unwrap: Callable[[Any, Any, Any], Sequence[Any] | None] | None = None
    fallback: tuple[str, Callable[[Any, Any], Hashable]] | None = None
    payload_format: PayloadFormat = "python"
    named: Mapping[str, Callable[[Any], Any]] | None = None
    order_key: Callable[[Any], Hashable | None] | None = None
    ordered: Callable[[Any], bool] | None = None
    windowed: bool = False
    response: ResponseMode = "batch"
    result: Callable[[Any], Any] | None = None
    batch_failure: bool = False
    web: WebSpec | None = None
    raw: RawView | None = None
    check_route: Callable[[str, Any, Mapping[str, Any]], None] | None = None
    oldest: Callable[[Sequence[Any]], float | None] | None = None
    redelivery: Literal["reported", "from_lowest"] | None = None
    trace_header: Callable[[Any], str | None] | None = None
    answer: Callable[[Outcome], Any] | None = None
    array: bool = False
    reserve: float = 0.0
    threaded: bool = False
    poll: Pollable | None = None
    unique_ids: bool = True

    @property
    def detect(self) -> Callable[[Mapping[str, Any]], bool]:
        return lambda event: isinstance(event.get("counts"), list)

    @property
    def items(self) -> Callable[[Any], Sequence[Any]]:
        return lambda event: event.counts

    @property
    def raw_items(self) -> Callable[[Mapping[str, Any]], Sequence[Any]] | None:
        return lambda event: event["counts"]

    @property
    def raw_where(self) -> Callable[[Mapping[str, Any], int], str] | None:
        return list_where("counts")

    @property
    def raw_id(self) -> Callable[[Any], str | None] | None:
        return lambda raw: raw.get("id") if isinstance(raw, dict) else None

    @property
    def item_id(self) -> Callable[[Any], str]:
        return lambda item: item.id

    @property
    def route_key(self) -> Callable[[Any, Any], Hashable]:
        return lambda event, item: item.counter

    @property
    def route_filter(self) -> Callable[..., Filter]:
        return lambda counter=None: glob_filter("counter", counter)

    @property
    def payload(self) -> Callable[[Any], Any] | None:
        return lambda item: {"n": item.n}

    def decode_bytes(self, body: bytes, *, lean: bool = False) -> Any:
        return decode_general(self, body, lean=lean)


COUNTERS = Counters()


@pytest.fixture
def counters() -> Iterator[EventSource]:
    with _support.registered(COUNTERS) as source:
        yield source


def test_a_users_own_class_is_a_source(counters: EventSource) -> None:
    app = App()
    seen: list[tuple[int, str]] = []

    @app.on("counts", filters={"counter": "clicks*"})
    def count(by: By, item: Count) -> None:
        if by.n < 0:
            raise ValueError("negative")
        seen.append((by.n, item.id))

    event = {
        "counts": [
            {"id": "a", "counter": "clicks-web", "n": 1},
            {"id": "b", "counter": "clicks-app", "n": -1},
            {"id": "c", "counter": "clicks-web", "n": "not a number"},
            {"id": "d", "counter": "clicks-app", "n": 3},
        ]
    }
    assert sources.detect(event) == "counts"
    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    assert seen == [(1, "a"), (3, "d")]
    # the handler's failure and the record that does not decode fail alone, by their ids
    assert out == {"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]}
    failed = {e["record_id"]: e["error"] for e in logs if e["event"] == "record failed"}
    assert failed.keys() == {"b", "c"} and "ValueError: negative" in failed["b"]


def test_a_users_source_is_routed_by_its_own_filters(counters: EventSource) -> None:
    app = App()

    @app.on("counts", filters={"counter": "views"})
    def views(by: By) -> None:
        pass

    mixed = {
        "counts": [
            {"id": "a", "counter": "clicks", "n": 1},
            {"id": "b", "counter": "views", "n": 1},
        ]
    }
    # an item no route takes is reported failed; a batch none of whose items is taken
    # fails the invocation, naming the route key
    assert app.handler(mixed, FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "a"}]}
    with pytest.raises(RoutingError, match=r"no route for this counts event .*'clicks'"):
        app.handler({"counts": [mixed["counts"][0]]}, FakeContext())
