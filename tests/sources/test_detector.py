"""``sources.detector`` (:mod:`lambent.sources._detector`): the registry's ordered
detection, in fewer steps for some targets.

Whatever the targets, ``decide(event)`` is ``spec_for(event)``: on the whole corpus, on
HTTP requests mutated towards every neighbouring shape, and after the registry changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent import sources
from lambent.sources import SourceSpec
from lambent.testing import http_request
from tests import corpus
from tests.sources import _support


def _target_sets() -> dict[str, tuple[Any, ...]]:
    requests = sources.web("request")
    sets = {"requests": requests, "compiled": tuple(s for s in requests if s.kind != "alb")}
    sets.update({s.kind: (s,) for s in requests})
    sets["websocket+rest"] = (*sources.web("websocket"), *sources.load("apigw-rest"))
    sets["sqs"] = sources.load("sqs")
    return sets


TARGETS = _target_sets()


def _scan(event: Mapping[str, Any]) -> Any:
    """The ordered scan, without the registry's shape cache."""
    for spec in sources.specs():
        may_claim = not spec.array and (spec.requires is None or spec.requires in event)
        if may_claim and spec.detect(event):
            return spec
    return None


@pytest.mark.parametrize("row", corpus.params())
def test_every_corpus_event_is_decided_as_the_registry_detects_it(
    row: corpus.Row | None,
) -> None:
    event = corpus.load(row)
    if not isinstance(event, dict):
        return
    want = sources.spec_for(event)
    assert want is _scan(event)
    for name, targets in TARGETS.items():
        assert sources.detector(targets)(event) is want, name


def _http_events() -> list[dict[str, Any]]:
    made = [
        http_request("PUT", "/orders/1", source=source, json={"sku": "a"}, route="/orders/{id}")
        for source in ("apigw-rest", "apigw-http", "function-url", "alb", "alb-multi")
    ]
    found = [corpus.Row.load(r) for r in corpus.rows() if r.kind in _HTTP_KINDS]
    return [*made, *(e for e in found if isinstance(e, dict))]


_HTTP_KINDS = {
    "apigw-rest", "apigw-http", "function-url", "alb", "apigw-websocket", "apigw-authorizer",
}  # fmt: skip
EVENTS = _http_events()


def test_the_http_events_include_the_corpus_ones() -> None:
    """Beside the five made ones, every HTTP-like event of the corpus is fuzzed."""
    corpus.require()
    real = [row for row in corpus.rows() if row.kind in _HTTP_KINDS]
    assert real and len(EVENTS) == 5 + len(real)


#: keys some source requires or detects by, and values that make or break a claim
KEYS = sorted({key for entry in sources.SOURCES for key in entry.keys or ()})
VALUES: list[Any] = [
    None, 1, "x", "2.0", "1.0", "GET", "TOKEN", "REQUEST", [], {}, {"http": {}},
    {"elb": {"targetGroupArn": "arn"}}, {"connectionId": "c", "eventType": "MESSAGE"},
    {"domainName": "abc.lambda-url.us-east-1.on.aws", "http": {"method": "GET"}},
]  # fmt: skip
CONTEXT_KEYS = ["elb", "http", "connectionId", "eventType", "domainName", "apiId", "routeKey"]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(EVENTS)))
    for _ in range(draw(st.integers(0, 4))):
        where = event
        context = event.get("requestContext")
        if isinstance(context, dict) and draw(st.booleans()):
            where = context
            key = draw(st.sampled_from(CONTEXT_KEYS + sorted(context)))
        else:
            key = draw(st.sampled_from(KEYS + sorted(event)))
        if key in where and draw(st.booleans()):
            del where[key]
        else:
            where[key] = copy.deepcopy(draw(st.sampled_from(VALUES)))
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_http_events_are_decided_as_the_registry_detects_them(
    event: dict[str, Any],
) -> None:
    want = _scan(event)
    assert sources.spec_for(event) is want
    for name, targets in TARGETS.items():
        assert sources.detector(targets)(event) is want, name


class Ping(msgspec.Struct, frozen=True):
    ping: str


def _source(kind: str, requires: str | None, detect: Callable[[Any], bool]) -> Any:
    return SourceSpec(
        kind=kind,
        requires=requires,
        detect=detect,
        event_type=Ping,
        item_type=Ping,
        items=lambda event: (event,),
        raw_items=None,
        item_id=lambda event: event.ping,
        route_key=lambda event, item: "ping",
        payload=None,
        response="single",
    )


def test_a_source_registered_later_is_asked_first_as_by_the_registry() -> None:
    decide = sources.detector(TARGETS["requests"])
    event = http_request("GET", "/x", source="apigw-rest")
    assert decide(event) is sources.load("apigw-rest")[0]
    claims_all = _source("claims-all", None, lambda event: True)
    with _support.registered(claims_all):
        assert sources.spec_for(event) is claims_all
        assert decide(event) is claims_all  # made before: it falls back to the scan
        assert sources.detector(TARGETS["requests"])(event) is claims_all
    assert decide(event) is sources.load("apigw-rest")[0]


def test_a_user_source_keyed_by_a_foreign_key_is_never_skipped_wrongly() -> None:
    marked = _source("marked", "Records", lambda event: event.get("marked") is True)
    with _support.registered(marked):
        decide = sources.detector(TARGETS["compiled"])
        plain = http_request("GET", "/x", source="apigw-http")
        claimed = {**plain, "Records": [], "marked": True}
        assert decide(plain) is sources.spec_for(plain) is sources.load("apigw-http")[0]
        assert decide(claimed) is sources.spec_for(claimed) is marked
