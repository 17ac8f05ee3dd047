"""The route table (:mod:`lambent._routes`): specific routes first, conflicts refused,
answers cached, frozen after the first invocation."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest

from lambent import ConfigurationError
from lambent._record_params import resolve
from lambent._routes import Route, RouteTable
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
