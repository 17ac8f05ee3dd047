"""The explicit route table that every decorator adds to.

A :class:`Route` says which events of a source kind it takes (``filters``, shown in
``lambent routes`` and compared for conflicts, and ``matches``, a predicate over the
source's route key), which handler runs, and with which options. Routes are
tried most specific first (more filters), then in registration order; the first
match wins, and the answer for a route key is cached. Two routes with equally many
filters that could take the same event conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from lambent._errors import ConfigurationError
from lambent._inject import HandlerPlan
from lambent.sources._match import Overlap

if TYPE_CHECKING:
    from lambent.sources import EventSource

OnDecodeError = Literal["fail", "drop"]
#: a route's idempotency key from its record's decoded payload
KeyFunction = Callable[[Any], str]


def require_name(value: object, field: str, decorator: str, *, optional: bool = True) -> None:
    """Refuse a decorator argument that must be a name (a queue, a path, ...) but is not:
    most often the handler itself, when the decorator was used without parentheses."""
    if isinstance(value, str) or (optional and value is None):
        return
    if callable(value):
        handler = getattr(value, "__qualname__", repr(value))
        raise ConfigurationError(
            f"@app.{decorator} was used without parentheses (the handler {handler} was "
            f"passed as the {field}): write @app.{decorator}(...)"
            + ("" if optional else f" with the {field}")
        )
    raise ConfigurationError(
        f"@app.{decorator}: the {field} must be a string, not {type(value).__name__} {value!r}"
    )


class RouteOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Per-route options (``None``: the app's default)."""

    concurrency: int | None = None
    on_decode_error: OnDecodeError = "fail"
    threaded: bool = False
    #: SQS FIFO: stop the whole batch at the first failure (AWS's documented rule);
    #: ``None`` on a router's route: the including app's ``strict_fifo``
    strict_order: bool | None = False
    #: Kinesis / DynamoDB: one record at a time per shard instead of per partition key
    sequential: bool = False
    #: Kinesis / DynamoDB tumbling-window handler
    window: bool = False
    #: run each record once for its own id (the app's idempotency store remembers it)
    idempotent: bool = False
    #: run each record once for this key of its decoded payload
    idempotency_key: KeyFunction | None = None

    @property
    def keyed(self) -> bool:
        """Whether records of this route are run once per idempotency key."""
        return self.idempotent or self.idempotency_key is not None


class Route(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    kind: str
    filters: tuple[tuple[str, Any], ...]
    matches: Callable[[Hashable], bool]
    plan: HandlerPlan
    options: RouteOptions = msgspec.field(default_factory=RouteOptions)

    @property
    def catch_all(self) -> bool:
        return not self.filters

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.filters) or "*"
        return f"{self.kind}({shown}) -> {self.plan.name}"


class RouteTable:
    """Routes by source kind, with conflict checks and cached matching."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}
        self._cache: dict[tuple[str, Hashable], Route | None] = {}
        self._frozen = False
        self._closed_because = (
            "the app has started handling events; register every route before the first invocation"
        )
        #: sources with routes here whose items other sources' records can carry (set
        #: at freeze time)
        self.unwrappers: tuple[EventSource, ...] = ()
        #: what the pipeline builds once per route (by ``id(route)``): raw batches' runners
        self.memo: dict[int, Any] = {}

    def __iter__(self) -> Iterator[Route]:
        for routes in self._routes.values():
            yield from routes

    def __len__(self) -> int:
        return sum(len(r) for r in self._routes.values())

    def kinds(self) -> frozenset[str]:
        return frozenset(self._routes)

    def routes(self, kind: str) -> list[Route]:
        return self._routes.get(kind, [])

    def freeze(self, reason: str | None = None) -> None:
        """No more routes; compile what depends on all of them (``reason``: why, in the
        error adding one more gives)."""
        from lambent import sources

        self._frozen = True
        if reason is not None:
            self._closed_because = reason
        self.unwrappers = tuple(
            s for kind in self._routes for s in sources.load(kind) if s.unwrap is not None
        )

    def check(self, route: Route, *, overlaps: Overlap | None = None) -> None:
        """Raise ConfigurationError (naming both routes) if ``route`` cannot be added."""
        if self._frozen:
            raise ConfigurationError(f"cannot add {route.describe()}: {self._closed_because}")
        for other in self._routes.get(route.kind, ()):
            same = other.filters == route.filters
            if same or (
                overlaps is not None and overlaps(dict(other.filters), dict(route.filters))
            ):
                raise ConfigurationError(
                    f"route {route.describe()} conflicts with {other.describe()}: "
                    "both would take the same events"
                )

    def add(self, route: Route, *, overlaps: Overlap | None = None) -> Route:
        """Add a route; raise ConfigurationError naming both routes on a conflict."""
        self.check(route, overlaps=overlaps)
        existing = self._routes.setdefault(route.kind, [])
        # more specific routes (more filters) are tried first; equals keep their order
        at = next(
            (i for i, r in enumerate(existing) if len(r.filters) < len(route.filters)),
            len(existing),
        )
        existing.insert(at, route)
        self._cache.clear()
        self.memo.clear()
        return route

    def match(self, kind: str, key: Hashable) -> Route | None:
        """The first route of ``kind`` whose predicate accepts ``key`` (cached)."""
        cache_key = (kind, key)
        try:
            return self._cache[cache_key]
        except KeyError:
            pass
        except TypeError:  # unhashable key: match without caching
            return self._find(kind, key)
        found = self._find(kind, key)
        if len(self._cache) < 4096:
            self._cache[cache_key] = found
        return found

    def _find(self, kind: str, key: Hashable) -> Route | None:
        for route in self._routes.get(kind, ()):
            if route.matches(key):
                return route
        return None
