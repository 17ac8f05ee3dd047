"""What the web router asks the source registry by role, and what its WebSocket,
authorizer and edge matchers share (lambent.http._roles)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lambent import ConfigurationError, sources
from lambent._routes import Inclusion
from lambent.http._authorizer import AuthorizerRoutes
from lambent.http._edge import EdgeRoutes
from lambent.http._roles import role_spec
from lambent.http._websocket import WebSocketRoutes
from lambent.metrics import Metrics


@pytest.mark.parametrize("role", ["request", "websocket", "authorizer", "edge"])
def test_each_role_has_the_spec_of_the_sources_serving_it(role: str) -> None:
    spec = role_spec(role)
    assert spec.role == role
    serving = [s for s in sources.web(role) if s.web is not None]
    assert serving and spec is serving[0].web


def test_a_role_no_source_serves_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no event source serves telepathy handlers"):
        role_spec("telepathy")


def _with_metrics(metrics: Metrics) -> None: ...


def _plain() -> None: ...


@pytest.mark.parametrize(
    ("family", "resolve"),
    [
        (WebSocketRoutes(), lambda fn: WebSocketRoutes.resolve("$default", fn)),
        (AuthorizerRoutes(), lambda fn: AuthorizerRoutes.resolve("TOKEN", fn)),
        (EdgeRoutes(), lambda fn: EdgeRoutes.resolve("viewer-request", "/img/*", fn)),
    ],
    ids=["websocket", "authorizer", "edge"],
)
def test_a_role_route_is_included_as_it_is_its_metrics_checked_in_an_app(
    family: Any, resolve: Any
) -> None:
    route = resolve(_with_metrics)
    assert family.adopt(route, Inclusion(prefix="/v1")) is route  # into a router: unchecked
    assert family.adopt(route, Inclusion(checked=True, metrics=Metrics("ns"))) is route
    with pytest.raises(ConfigurationError, match=rf"{re.escape(route.where)}: .*Metrics"):
        family.adopt(route, Inclusion(checked=True))
    plain = resolve(_plain)
    assert family.adopt(plain, Inclusion(checked=True)) is plain
    assert family.named(route) == f"the {route.where}"


@pytest.mark.parametrize(
    ("family", "first", "second"),
    [
        (
            WebSocketRoutes(),
            lambda: WebSocketRoutes.resolve("$connect", _plain),
            lambda: WebSocketRoutes.resolve("$default", _plain),
        ),
        (
            AuthorizerRoutes(),
            lambda: AuthorizerRoutes.resolve("TOKEN", _plain),
            lambda: AuthorizerRoutes.resolve(None, _plain),
        ),
    ],
    ids=["websocket", "authorizer"],
)
def test_a_keyed_role_family_holds_one_route_a_key_in_order(
    family: Any, first: Any, second: Any
) -> None:
    assert len(family) == 0 and list(family) == []
    one, two = first(), second()
    for route in (one, two):
        family.check(route)
        family.insert(route)
    family.freeze()
    assert len(family) == 2 and list(family) == [one, two]
    with pytest.raises(ConfigurationError):
        family.check(first())  # its key is taken
