"""What the web router knows of the sources it serves: asked of the registry by role.

The HTTP-family sources adapt their events to the router: each declares a
:class:`~lambent.sources._base.WebSpec` (its role, route key, the types and names its
handlers can ask for). The router never imports a source module; it asks the registry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from lambent._errors import ConfigurationError
from lambent.sources._base import WebSpec

if TYPE_CHECKING:
    from lambent._inject import HandlerPlan
    from lambent._routes import Inclusion

__all__ = ["KeyedRoleRoutes", "RoleRoutes", "role_spec"]


class _RoleRoute(Protocol):
    @property
    def plan(self) -> HandlerPlan: ...

    @property
    def where(self) -> str: ...


RoleRouteT = TypeVar("RoleRouteT", bound=_RoleRoute)


class RoleRoutes:
    """What the WebSocket, authorizer and edge matchers of the route table share: how a
    message names one of their routes, and a router's route included as it is (its
    handler checked against the including app's metrics)."""

    __slots__ = ()

    def named(self, route: _RoleRoute) -> str:
        return f"the {route.where}"

    def adopt(self, route: RoleRouteT, how: Inclusion) -> RoleRouteT:
        how.require_metrics(route.plan.fn, route.where)
        return route


KeyT = TypeVar("KeyT", bound=Hashable | None)
RouteT = TypeVar("RouteT", bound=_RoleRoute)


class KeyedRoleRoutes(RoleRoutes, Generic[KeyT, RouteT]):
    """The routes of a role whose routes have one key each (WebSocket route keys,
    authorizer kinds), kept in one dict; checked, inserted and looked up by the
    subclass."""

    __slots__ = ("_routes",)

    def __init__(self) -> None:
        self._routes: dict[KeyT, RouteT] = {}

    def __len__(self) -> int:
        return len(self._routes)

    def __iter__(self) -> Iterator[RouteT]:
        return iter(list(self._routes.values()))

    def freeze(self) -> None:
        """Nothing to compile: keys are looked up as they are."""


def role_spec(role: str) -> WebSpec:
    """The web spec of the sources of ``role`` (they share one)."""
    from lambent import sources

    found: Any = next((s.web for s in sources.web(role) if s.web is not None), None)
    if found is None:
        raise ConfigurationError(f"no event source serves {role} handlers")
    spec: WebSpec = found
    return spec
