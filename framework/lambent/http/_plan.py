"""What resolving an HTTP handler's parameters gives (:mod:`._params`), and what
building its arguments per request reads (:mod:`._args`): the parameter markers a user
writes (``Annotated[T, Query()]``, ...), where each parameter's value comes from, and the
resolved plan of a handler and of its ``Depends`` providers."""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BODY_LABEL",
    "MISSING",
    "Body",
    "Cookie",
    "Dependency",
    "DependencyMode",
    "From",
    "Header",
    "HttpParam",
    "HttpPlan",
    "Query",
]

MISSING: Any = inspect.Parameter.empty


@dataclass(frozen=True, slots=True)
class Query:
    """``Annotated[T, Query("name")]``: a query parameter (``alias``: its name in the URL)."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """``Annotated[T, Header()]``: a header (default name: the parameter's, ``_`` -> ``-``)."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Cookie:
    """``Annotated[T, Cookie()]``: a request cookie."""

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    """``Annotated[T, Body()]``: the body, even for a scalar type such as ``str``."""


#: the label of a body parameter: the part its 422 names
BODY_LABEL = "body"


class From(enum.Enum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"
    REQUEST = "request"
    EVENT = "event"
    CONTEXT = "context"
    LOGGER = "logger"
    NAMED = "named"  # a value taken from the event by a getter (authorizers, edge)
    DEPENDS = "depends"  # a provider's value (``Depends``)
    METRICS = "metrics"  # the app's lambent.metrics.Metrics (``convert`` returns it)


@dataclass(frozen=True, slots=True)
class HttpParam:
    name: str
    source: From
    key: str = ""
    convert: Callable[[Any], Any] | None = None
    multi: bool = False
    default: Any = MISSING
    label: str = ""
    #: the declared type (``str`` when unannotated), for documents such as OpenAPI
    annotation: Any = None
    #: DEPENDS: the provider, resolved
    dep: Dependency | None = None


DependencyMode = typing.Literal["call", "async", "gen", "agen"]


@dataclass(frozen=True, slots=True, eq=False)
class Dependency:
    """A provider with its resolved parameters, and how to run it."""

    provider: Callable[..., Any]
    plan: HttpPlan
    mode: DependencyMode
    #: the route's path parameters it was resolved with (overrides are resolved alike)
    path_params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HttpPlan:
    """A handler with its parameters."""

    fn: Callable[..., Any]
    name: str
    is_async: bool
    params: tuple[HttpParam, ...]
    #: some parameter is a dependency (then arguments are built by ``_depends.solve``)
    has_deps: bool = False
    #: some dependency, at any depth, is async or an async generator
    async_deps: bool = False

    def describe(self) -> str:
        return f"{self.name}({', '.join(f'{p.name}: {p.source.value}' for p in self.params)})"

    def flat_params(self) -> list[HttpParam]:
        """The parameters read from the request, the dependencies' included (each
        provider's once)."""
        out: list[HttpParam] = []
        seen: set[int] = set()

        def walk(plan: HttpPlan) -> None:
            for p in plan.params:
                if p.dep is None:
                    out.append(p)
                elif id(p.dep.provider) not in seen:
                    seen.add(id(p.dep.provider))
                    walk(p.dep.plan)

        walk(self)
        return out
