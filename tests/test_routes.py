"""The route table (:mod:`lambent._routes`): specific routes first, conflicts refused,
answers cached, frozen after the first invocation; every family of routes one matcher
plugged into it, checked, frozen and listed by the table."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import ConfigurationError
from lambent._record_params import resolve
from lambent._routes import RECORDS, Inclusion, KindMatcher, Route, RouteOptions, RouteTable
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
    catch_all = table.add_to(RECORDS, _queue(None))
    orders = table.add_to(RECORDS, _queue("orders"))
    assert table.match("sqs", ARN + "orders") is orders
    assert table.match("sqs", ARN + "other") is catch_all
    assert table.match("sns", ARN + "orders") is None
    assert list(table) == [orders, catch_all] and len(table) == 2


def test_equal_filters_or_the_sources_overlap_rule_refuse_the_second_route() -> None:
    table = RouteTable()
    table.add_to(RECORDS, _queue("orders"))
    with pytest.raises(ConfigurationError, match=r"sqs\(queue='orders'\) -> .*on_orders conflicts"):
        table.add_to(RECORDS, _queue("orders"))
    # the SQS source's rule: a queue's ARN and its name are the same queue
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        table.add_to(RECORDS, _queue(ARN + "orders"))
    table.add_to(RECORDS, _queue(ARN + "other"))


def test_the_record_matcher_asks_its_overlap_rule_per_kind_only_when_the_kind_has_routes() -> None:
    asked: list[str] = []

    def rule(kind: str) -> Any:
        asked.append(kind)
        return lambda a, b: same_resource(a.get("queue"), b.get("queue"))

    matcher = KindMatcher(overlap=rule)
    matcher.check(first := _queue("orders"))
    matcher.insert(first)
    assert asked == []  # the first route of a kind conflicts with nothing
    with pytest.raises(ConfigurationError, match=r"on_.*orders conflicts with .*on_orders"):
        matcher.check(_queue(ARN + "orders"))
    matcher.check(_route("sns", (("queue", "orders"),), resource("orders"), "other_kind"))
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
        table = RouteTable()
        table.add_to(RECORDS, _route("tickets", (("desk", "a"),), resource("a"), "on_a"))
        table.add_to(RECORDS, _route("tickets", (("desk", "b"),), resource("b"), "on_b"))
        with pytest.raises(ConfigurationError, match=r"tickets\(desk='all'\).* conflicts"):
            table.add_to(RECORDS, _route("tickets", (("desk", "all"),), resource("all"), "x"))
    assert len(table) == 2


def test_answers_are_cached_by_key_and_unhashable_keys_still_match() -> None:
    calls: list[Hashable] = []

    def matches(key: Hashable) -> bool:
        calls.append(key)
        return True

    table = RouteTable()
    route = table.add_to(RECORDS, _route("eventbridge", (), matches, "any"))
    assert table.match("eventbridge", ("a", "b")) is route
    assert table.match("eventbridge", ("a", "b")) is route
    assert calls == [("a", "b")]
    assert table.match("eventbridge", ["a"]) is route  # type: ignore[arg-type]  # unhashable


def test_a_frozen_table_refuses_routes() -> None:
    table = RouteTable()
    table.freeze()
    with pytest.raises(ConfigurationError, match="started handling events"):
        table.add_to(RECORDS, _queue("late"))


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

    def named(self, route: str) -> str:
        return f"the name {route!r}"

    def adopt(self, route: str, how: Inclusion) -> str:
        return how.prefix + route


def test_every_family_of_routes_is_one_matcher_of_the_table() -> None:
    table = RouteTable()
    names = table.plug("names", Names())
    assert table.matcher("names") is names and table.matcher("other") is None
    orders = table.add_to(RECORDS, _queue("orders"))
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
    with pytest.raises(ConfigurationError, match="cannot add the name 'x': the app has started"):
        table.add_to("late", "x")
    assert late.names == []


def test_a_closed_table_refuses_routes_saying_why_and_compiles_nothing() -> None:
    table = RouteTable()
    names = table.plug("names", Names())
    table.close("the router was included already")
    with pytest.raises(ConfigurationError, match="cannot add the name 'x': the router was"):
        table.add_to("names", "x")
    with pytest.raises(ConfigurationError, match=r"sqs.* the router was included already"):
        table.add_to(RECORDS, _queue("orders"))
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


def _with_names(*names: str) -> tuple[RouteTable, Names]:
    table = RouteTable()
    matcher = table.plug("names", Names())
    for name in names:
        table.add_to("names", name)
    return table, matcher


def test_a_routers_table_is_adopted_family_by_family_and_added_after_every_check() -> None:
    app, names = _with_names("/v1/a")
    app.add_to(RECORDS, _queue("orders"))
    router, _ = _with_names("/a", "/b")
    jobs = _route("sqs", (("queue", "jobs"),), resource("jobs"), "j")
    router.add_to(RECORDS, msgspec.structs.replace(jobs, options=RouteOptions(strict_order=None)))
    with pytest.raises(ConfigurationError, match="'/v1/a' is taken"):
        app.adopt(router, Inclusion(prefix="/v1"))
    assert names.names == ["/v1/a"] and len(app) == 1  # the conflict found first
    adopted = app.adopt(router, Inclusion(prefix="/v2", strict_fifo=True))
    assert names.names == ["/v1/a"]  # adopting adds nothing
    app.add_adopted(adopted)
    assert names.names == ["/v1/a", "/v2/a", "/v2/b"]
    found = app.match("sqs", ARN + "jobs")
    assert found is not None and found.options.strict_order is True  # the app's FIFO default
    with pytest.raises(ConfigurationError, match=r"sqs\(queue='orders'\).*conflicts"):
        app.adopt(_with_records(_queue("orders")), Inclusion())


def _with_records(*routes: Route) -> RouteTable:
    table = RouteTable()
    for route in routes:
        table.add_to(RECORDS, route)
    return table


def test_a_family_the_including_table_lacks_has_nothing_to_conflict_with() -> None:
    app = RouteTable()
    router, _ = _with_names("a")
    adopted = app.adopt(router, Inclusion(prefix="/x"))
    assert adopted == [(RECORDS, []), ("names", ["/xa"])]
    app.close("the router was included already")
    with pytest.raises(ConfigurationError, match="cannot add the name '/xa': the router was"):
        app.adopt(router, Inclusion(prefix="/x"))


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4),
    st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4),
)
def test_including_adds_every_route_or_none(mine: list[str], theirs: list[str]) -> None:
    app, held = _with_names(*mine)
    router, _ = _with_names(*theirs)
    try:
        app.add_adopted(app.adopt(router, Inclusion()))
    except ConfigurationError:
        assert set(mine) & set(theirs) and held.names == mine
    else:
        assert not set(mine) & set(theirs) and held.names == mine + theirs
