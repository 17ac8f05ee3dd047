"""The route table (:mod:`lambent._routes`): every family of routes one matcher plugged
into it, checked, frozen (after the first invocation), closed, listed and included by
the table; the record routes (:mod:`lambent._kind_matcher`) always there."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import ConfigurationError
from lambent._routes import RECORDS, Inclusion, Route, RouteOptions, RouteTable
from lambent.sources._match import resource
from tests.route_values import ARN, queue, route


def test_a_frozen_table_refuses_routes() -> None:
    table = RouteTable()
    table.freeze()
    with pytest.raises(ConfigurationError, match="started handling events"):
        table.add_to(RECORDS, queue("late"))


def test_the_table_matches_records_with_its_record_matcher() -> None:
    table = RouteTable()
    orders = table.add_to(RECORDS, queue("orders"))
    assert table.matcher(RECORDS) is table.records
    assert table.match("sqs", ARN + "orders") is orders is table.records.match("sqs", "orders")
    assert list(table) == [orders] and len(table) == 1 and table.kinds() == {"sqs"}
    assert table.routes("sqs") == [orders] and table.routes("sns") == []


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
    orders = table.add_to(RECORDS, queue("orders"))
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
        table.add_to(RECORDS, queue("orders"))
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
    app.add_to(RECORDS, queue("orders"))
    router, _ = _with_names("/a", "/b")
    jobs = route("sqs", (("queue", "jobs"),), resource("jobs"), "j")
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
        app.adopt(_with_records(queue("orders")), Inclusion())


def _with_records(*routes: Route) -> RouteTable:
    table = RouteTable()
    for one in routes:
        table.add_to(RECORDS, one)
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
