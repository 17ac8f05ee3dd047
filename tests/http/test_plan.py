"""A resolved HTTP handler plan (lambent.http._plan): the parameter markers, where each
parameter comes from, the plan's description, and the request parameters of a plan with
its dependencies (each provider's once, however often it is declared)."""

from __future__ import annotations

from typing import Annotated

import pytest

from lambent.http import Body, Cookie, Depends, Header, Query
from lambent.http._params import resolve_http
from lambent.http._plan import From, HttpParam, HttpPlan


def token(x_api_key: Annotated[str, Header()]) -> str:
    return x_api_key


def user(t: Annotated[str, Depends(token)], session: Annotated[str, Cookie("sid")]) -> str:
    return t + session


def handler(
    order_id: int,
    who: Annotated[str, Depends(user)],
    again: Annotated[str, Depends(token)],
    page: Annotated[int, Query("p")] = 0,
) -> None: ...


def _plan() -> HttpPlan:
    return resolve_http(
        handler, where="GET /orders/{order_id}", path_params=["order_id"], event_types=()
    )


def test_the_plan_says_where_each_parameter_comes_from() -> None:
    plan = _plan()
    assert (
        plan.describe()
        == "tests.http.test_plan.handler(order_id: path, who: depends, again: depends, page: query)"
    )
    assert plan.has_deps and not plan.async_deps and not plan.is_async
    page = plan.params[-1]
    assert (page.key, page.default) == ("p", 0)


def test_flat_params_walk_each_provider_once_in_declaration_order() -> None:
    flat = _plan().flat_params()
    assert [(p.name, p.source, p.key) for p in flat] == [
        ("order_id", From.PATH, "order_id"),
        ("x_api_key", From.HEADER, "x-api-key"),  # once, though two parameters depend on it
        ("session", From.COOKIE, "sid"),
        ("page", From.QUERY, "p"),
    ]
    assert all(p.dep is None for p in flat)


def test_a_plan_without_dependencies_is_its_own_flat_list() -> None:
    params = (HttpParam("a", From.QUERY, "a"), HttpParam("b", From.BODY))
    plan = HttpPlan(fn=print, name="f", is_async=False, params=params)
    assert plan.flat_params() == list(params)
    assert plan.describe() == "f(a: query, b: body)"


def test_markers_are_frozen_values_compared_by_their_alias() -> None:
    assert Query("x") == Query("x") != Query("y") and Header() == Header(None)
    assert Cookie("a") != Header("a")  # type: ignore[comparison-overlap]  # kinds differ too
    assert Body() == Body()
    with pytest.raises(AttributeError):
        Query("x").alias = "y"  # type: ignore[misc]
    assert {f.value for f in From} >= {"path", "query", "header", "cookie", "body", "depends"}
