"""The record and event routes' family of the route table (:mod:`lambent._routes`):
:class:`KindMatcher`, the :class:`~lambent._routes.Matcher` always plugged in under
``RECORDS``.

Routes are held by source kind. A kind's routes are tried most specific first (more
filters), then in registration order; the first whose predicate (``Route.matches``)
accepts the item's route key wins, and the answer for a ``(kind, route key)`` is cached
(bounded; an unhashable key is matched without the cache). Two routes of a kind with
equal filters, or that the kind's overlap rule says could take the same events,
conflict: the rule is asked of the source registry (:func:`source_overlap`, the
source's ``overlaps``), so that no caller passes one in and core names no source.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING

import msgspec

from lambent._errors import ConfigurationError

if TYPE_CHECKING:
    from lambent._routes import Inclusion, Route
    from lambent.sources._match import Overlap

__all__ = ["KindMatcher", "source_overlap"]


def source_overlap(kind: str) -> Overlap | None:
    """The overlap rule of the source ``kind`` (its decorator's filters that could take
    the same events), from the source registry; None for a kind no source declares
    (direct invocations)."""
    from lambent import sources

    specs = sources.load(kind)
    return specs[0].overlaps if specs else None


class KindMatcher:
    """Record and event routes by source kind: each kind's predicates tried most specific
    first, answers cached by ``(kind, route key)``. A route conflicts with one of its kind
    of equal filters, or that the kind's overlap rule (``overlap(kind)``: by default its
    source's, :func:`source_overlap`) says could take the same events."""

    def __init__(self, overlap: Callable[[str], Overlap | None] = source_overlap) -> None:
        self._routes: dict[str, list[Route]] = {}
        self._cache: dict[tuple[str, Hashable], Route | None] = {}
        self._overlap = overlap

    def __iter__(self) -> Iterator[Route]:
        for routes in self._routes.values():
            yield from routes

    def __len__(self) -> int:
        return sum(len(r) for r in self._routes.values())

    def kinds(self) -> frozenset[str]:
        return frozenset(self._routes)

    def routes(self, kind: str) -> list[Route]:
        return self._routes.get(kind, [])

    def check(self, route: Route) -> None:
        others = self._routes.get(route.kind, ())
        overlaps = self._overlap(route.kind) if others else None
        for other in others:
            same = other.filters == route.filters
            if same or (
                overlaps is not None and overlaps(dict(other.filters), dict(route.filters))
            ):
                raise ConfigurationError(
                    f"route {route.describe()} conflicts with {other.describe()}: "
                    "both would take the same events"
                )

    def named(self, route: Route) -> str:
        return route.describe()

    def adopt(self, route: Route, how: Inclusion) -> Route:
        """``route`` with the including registry's FIFO default for ``strict_order`` left
        open, checked against the app's idempotency store and metrics."""
        if route.options.strict_order is None and how.strict_fifo is not None:
            options = msgspec.structs.replace(route.options, strict_order=how.strict_fifo)
            route = msgspec.structs.replace(route, options=options)
        if how.checked:
            from lambent import sources
            from lambent._observe import observed_plan

            specs = sources.load(route.kind)
            plan = observed_plan(
                f"{route.describe()} (included)",
                route.plan,
                route.options,
                specs[0] if specs else None,
                store=how.idempotency,
                metrics=how.metrics,
            )
            if plan is not route.plan:
                route = msgspec.structs.replace(route, plan=plan)
        return route

    def insert(self, route: Route) -> None:
        existing = self._routes.setdefault(route.kind, [])
        # more specific routes (more filters) are tried first; equals keep their order
        at = next(
            (i for i, r in enumerate(existing) if len(r.filters) < len(route.filters)),
            len(existing),
        )
        existing.insert(at, route)
        self._cache.clear()

    def freeze(self) -> None:
        """Nothing to compile: a route's predicate is made by its decorator."""

    def lookup(self, key: tuple[str, Hashable]) -> Route | None:
        return self.match(*key)

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

    def describe(self) -> list[str]:
        return [route.describe() for route in self]
