"""The route table (:mod:`lambent._routes`): specific routes first, conflicts refused,
answers cached, frozen after the first invocation; every family of routes one matcher
plugged into it, checked, frozen and listed by the table."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import ConfigurationError
from lambent._record_params import resolve
from lambent._routes import RECORDS, Route, RouteTable
from lambent.sources._match import resource, same_resource


def _route(kind: str, filters: tuple[tuple[str, Any], ...], matches: Any, name: str) -> Route:
    def handler() -> None: ...

    handler.__qualname__ = name
    plan = resolve(handler, where=name, item_type=None, event_type=None)
    return Route(kind=kind, filters=filters, matches=matches, plan=plan)


def _queue(name: str | None) -> Route:
    filters = () if name is None else (("queue", name),)
    return _route("sqs", filters, resource(name), f"on_{name}")


ARN = "arn:aws:sqs:us-east-1:123456789012:"


def test_more_specific_routes_match_first_whatever_the_order_of_registration() -> None:
    table = RouteTable()
    catch_all = table.add(_queue(None))
    orders = table.add(_queue("orders"))
    assert table.match("sqs", ARN + "orders") is orders
    assert table.match("sqs", ARN + "other") is catch_all
    assert table.match("sns", ARN + "orders") is None
    assert list(table) == [orders, catch_all] and len(table) == 2


def test_equal_filters_or_an_overlap_rule_refuse_the_second_route() -> None:
    table = RouteTable()
    table.add(_queue("orders"))
    with pytest.raises(ConfigurationError, match=r"sqs\(queue='orders'\) -> .*on_orders conflicts"):
        table.add(_queue("orders"))

    def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return same_resource(a.get("queue"), b.get("queue"))

    with pytest.raises(ConfigurationError, match="both would take the same events"):
        table.add(_queue(ARN + "orders"), overlaps=overlaps)
    table.add(_queue(ARN + "other"), overlaps=overlaps)


def test_answers_are_cached_by_key_and_unhashable_keys_still_match() -> None:
    calls: list[Hashable] = []

    def matches(key: Hashable) -> bool:
        calls.append(key)
        return True

    table = RouteTable()
    route = table.add(_route("eventbridge", (), matches, "any"))
    assert table.match("eventbridge", ("a", "b")) is route
    assert table.match("eventbridge", ("a", "b")) is route
    assert calls == [("a", "b")]
    assert table.match("eventbridge", ["a"]) is route  # type: ignore[arg-type]  # unhashable


def test_a_frozen_table_refuses_routes() -> None:
    table = RouteTable()
    table.freeze()
    with pytest.raises(ConfigurationError, match="started handling events"):
        table.add(_queue("late"))


class Names:
    """A matcher of plain names, as any family of routes can plug one into the table."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.frozen = 0

    def check(self, route: str) -> None:
        if route in self.names:
            raise ConfigurationError(f"name {route!r} is taken")

    def insert(self, route: str) -> None:
        self.names.append(route)

    def freeze(self) -> None:
        self.frozen += 1

    def lookup(self, key: str) -> str | None:
        return key if key in self.names else None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def describe(self) -> list[str]:
        return [f"names({name})" for name in self.names]


def test_every_family_of_routes_is_one_matcher_of_the_table() -> None:
    table = RouteTable()
    names = table.plug("names", Names())
    assert table.matcher("names") is names and table.matcher("other") is None
    orders = table.add(_queue("orders"))
    table.add_to("names", "a")
    with pytest.raises(ConfigurationError, match="'a' is taken"):
        table.add_to("names", "a")
    assert [name for name, _ in table.matchers()] == [RECORDS, "names"]
    assert table.describe() == [orders.describe(), "names(a)"]
    assert list(table) == [orders] and len(table) == 1  # iterating: the record routes
    assert table.records.lookup(("sqs", ARN + "orders")) is orders
    with pytest.raises(ConfigurationError, match="has names routes already"):
        table.plug("names", Names())


def test_freezing_compiles_every_matcher_once_and_closes_them_all() -> None:
    table = RouteTable()
    early = table.plug("early", Names())
    table.freeze()
    table.freeze()  # frozen already: nothing compiled twice
    late = table.plug("late", Names())  # plugged after: frozen at once
    assert (early.frozen, late.frozen) == (1, 1)
    with pytest.raises(ConfigurationError, match="cannot add a late route: the app has started"):
        table.add_to("late", "x")
    assert late.names == []


def test_a_closed_table_refuses_routes_saying_why_and_compiles_nothing() -> None:
    table = RouteTable()
    names = table.plug("names", Names())
    table.close("the router was included already")
    with pytest.raises(ConfigurationError, match="cannot add a names route: the router was"):
        table.add_to("names", "x")
    with pytest.raises(ConfigurationError, match=r"sqs.* the router was included already"):
        table.add(_queue("orders"))
    assert names.frozen == 0 and names.names == [] and len(table) == 0


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=8))
def test_the_table_holds_what_its_matcher_accepted_and_nothing_else(names: list[str]) -> None:
    table = RouteTable()
    matcher = table.plug("names", Names())
    for name in names:
        try:
            table.add_to("names", name)
        except ConfigurationError:
            assert name in matcher.names
    assert matcher.names == list(dict.fromkeys(names))
    assert table.describe() == [f"names({n})" for n in dict.fromkeys(names)]
