"""The record and event routes' matcher (:mod:`lambent._kind_matcher`): specific routes
first, conflicts refused by equal filters or the source's overlap rule, answers cached."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import msgspec
import pytest

from lambent import ConfigurationError
from lambent._kind_matcher import KindMatcher
from lambent._routes import Route
from lambent.sources._match import resource, same_resource
from tests.route_values import ARN, queue, route


def _add(matcher: KindMatcher, new: Route) -> Route:
    """``new`` added as the route table adds it: checked, then inserted."""
    matcher.check(new)
    matcher.insert(new)
    return new


def test_more_specific_routes_match_first_whatever_the_order_of_registration() -> None:
    matcher = KindMatcher()
    catch_all = _add(matcher, queue(None))
    orders = _add(matcher, queue("orders"))
    assert matcher.match("sqs", ARN + "orders") is orders
    assert matcher.match("sqs", ARN + "other") is catch_all
    assert matcher.match("sns", ARN + "orders") is None
    assert list(matcher) == [orders, catch_all] and len(matcher) == 2
    assert matcher.kinds() == {"sqs"} and matcher.routes("sqs") == [orders, catch_all]


def test_equal_filters_or_the_sources_overlap_rule_refuse_the_second_route() -> None:
    matcher = KindMatcher()
    _add(matcher, queue("orders"))
    with pytest.raises(ConfigurationError, match=r"sqs\(queue='orders'\) -> .*on_orders conflicts"):
        _add(matcher, queue("orders"))
    # the SQS source's rule: a queue's ARN and its name are the same queue
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        _add(matcher, queue(ARN + "orders"))
    _add(matcher, queue(ARN + "other"))


def test_the_record_matcher_asks_its_overlap_rule_per_kind_only_when_the_kind_has_routes() -> None:
    asked: list[str] = []

    def rule(kind: str) -> Any:
        asked.append(kind)
        return lambda a, b: same_resource(a.get("queue"), b.get("queue"))

    matcher = KindMatcher(overlap=rule)
    matcher.check(first := queue("orders"))
    matcher.insert(first)
    assert asked == []  # the first route of a kind conflicts with nothing
    with pytest.raises(ConfigurationError, match=r"on_.*orders conflicts with .*on_orders"):
        matcher.check(queue(ARN + "orders"))
    matcher.check(route("sns", (("queue", "orders"),), resource("orders"), "other_kind"))
    assert asked == ["sqs"]


def test_a_user_sources_overlap_rule_is_the_record_matchers() -> None:
    from lambent.sources import SourceSpec
    from tests.sources._support import registered

    class Ticket(msgspec.Struct):
        desk: str

    def one_desk(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        return bool({a.get("desk"), b.get("desk")} & {"all"})  # "all" takes every desk

    spec = SourceSpec(requires="desk", kind="tickets", detect=lambda e: False,
                      event_type=Ticket, item_type=Ticket, items=lambda e: [e],
                      item_id=lambda i: "", route_key=lambda e, i: i.desk,
                      payload=lambda i: i, overlaps=one_desk)  # fmt: skip
    with registered(spec):
        matcher = KindMatcher()
        _add(matcher, route("tickets", (("desk", "a"),), resource("a"), "on_a"))
        _add(matcher, route("tickets", (("desk", "b"),), resource("b"), "on_b"))
        with pytest.raises(ConfigurationError, match=r"tickets\(desk='all'\).* conflicts"):
            _add(matcher, route("tickets", (("desk", "all"),), resource("all"), "x"))
    assert len(matcher) == 2


def test_answers_are_cached_by_key_and_unhashable_keys_still_match() -> None:
    calls: list[Hashable] = []

    def matches(key: Hashable) -> bool:
        calls.append(key)
        return True

    matcher = KindMatcher()
    found = _add(matcher, route("eventbridge", (), matches, "any"))
    assert matcher.match("eventbridge", ("a", "b")) is found
    assert matcher.lookup(("eventbridge", ("a", "b"))) is found
    assert calls == [("a", "b")]
    assert matcher.match("eventbridge", ["a"]) is found  # type: ignore[arg-type]  # unhashable
    _add(matcher, route("eventbridge", (("x", 1),), lambda key: False, "none"))
    assert matcher.match("eventbridge", ("a", "b")) is found  # a new route: asked again
    assert calls == [("a", "b"), ["a"], ("a", "b")]
