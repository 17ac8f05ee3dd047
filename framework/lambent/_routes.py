"""The app's one route table: every route lives here and is matched here.

The table holds :class:`Matcher` s, one per family of routes, each with its own way to
refuse a conflict, compile itself when the app freezes, match a key and adopt a router's
route; every route of every family is added the same way (:meth:`RouteTable.add_to`),
and a router's are included matcher by matcher (:meth:`RouteTable.adopt`):

* record and event routes (:class:`~lambent._kind_matcher.KindMatcher`, always there):
  a :class:`Route` says which events of a source kind it takes (``filters``, shown in
  ``lambent routes`` and compared for conflicts, and ``matches``, a predicate over the
  source's route key), which handler runs, and with which options; how they are matched
  and which conflict is :mod:`lambent._kind_matcher`'s;
* the web router's (``lambent.http``, plugged in when its first route is registered,
  under the role its sources declare): the HTTP path map (``"request"``), WebSocket
  route keys, authorizer kinds and Lambda@Edge event types and path patterns.

Iterating the table (and ``len``) gives its record and event routes, as ``app.routes``
always did; :meth:`RouteTable.matcher` gives a plugged matcher to whoever owns it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import msgspec

from lambent._errors import ConfigurationError
from lambent._inject import HandlerPlan
from lambent._kind_matcher import KindMatcher

if TYPE_CHECKING:
    from lambent.idempotency import IdempotencyStore
    from lambent.metrics import Metrics
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


def require_count(value: object, what: str) -> None:
    """Refuse ``value`` for ``what`` unless it is a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{what} must be a whole number of at least 1, not {value!r}")


def require_seconds(value: object, what: str) -> None:
    """Refuse ``value`` for ``what`` unless it is a finite number of seconds >= 0 (NaN
    and infinity too: every comparison with them would decide wrongly)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ConfigurationError(f"{what} must be a finite number of seconds >= 0, not {value!r}")


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Inclusion:
    """How a router's routes join an including app's (or router's) table
    (:meth:`RouteTable.adopt`): what every family's :meth:`Matcher.adopt` reads."""

    #: goes before the router's HTTP paths (``"/v1"``)
    prefix: str = ""
    #: added to the router's HTTP routes' own tags (OpenAPI)
    tags: tuple[str, ...] = ()
    #: the router's web middleware, wrapped around its HTTP routes (outermost first)
    middleware: tuple[Callable[..., Any], ...] = ()
    #: the including registry's FIFO default for SQS routes that left ``strict_order`` open
    strict_fifo: bool | None = None
    #: included into an app: idempotency and ``Metrics`` are checked against its
    #: ``idempotency`` store and ``metrics`` (into a router: when that one is included)
    checked: bool = False
    idempotency: IdempotencyStore | None = None
    metrics: Metrics | None = None

    def require_metrics(self, fn: Callable[..., Any], where: str) -> None:
        """Refuse ``fn`` declaring a ``Metrics`` parameter when the app has none."""
        if self.checked:
            from lambent._observe import require_metrics

            require_metrics(fn, self.metrics, where)


RouteT = TypeVar("RouteT")
KeyT = TypeVar("KeyT", contravariant=True)
FoundT = TypeVar("FoundT", covariant=True)


class Matcher(Protocol[RouteT, KeyT, FoundT]):
    """One family of routes in the :class:`RouteTable`: what the table asks of it."""

    def check(self, route: RouteT) -> None:
        """Raise ConfigurationError (naming both routes) when ``route`` conflicts."""

    def insert(self, route: RouteT) -> None:
        """Add ``route`` (checked already)."""

    def freeze(self) -> None:
        """Compile what matching needs, once every route is in (the app's first event)."""

    def lookup(self, key: KeyT) -> FoundT | None:
        """The route (or match) for ``key``, or None."""

    def __iter__(self) -> Iterator[RouteT]:
        """Every route once, in matching order."""

    def describe(self) -> list[str]:
        """One ``family(filter) -> handler`` line per route (``lambent routes``)."""

    def named(self, route: RouteT) -> str:
        """How an error names ``route`` (a late one: "cannot add <named>: ...")."""

    def adopt(self, route: RouteT, how: Inclusion) -> RouteT:
        """``route`` (one of this matcher's, a router's) as an including table holds it:
        its HTTP path under ``how.prefix``, what its router left open given the
        including app's defaults, checked against the app's store and metrics."""


AnyMatcher = TypeVar("AnyMatcher", bound="Matcher[Any, Any, Any]")

#: the record and event routes' place in the table
RECORDS = "records"
#: a router's routes as an including table holds them, by family (:meth:`RouteTable.adopt`)
Adopted = list[tuple[str, list[Any]]]


class RouteTable:
    """Every route of an app (or router), by family, each family one :class:`Matcher`;
    conflict checks, freezing, and the record routes' cached matching."""

    #: the first record or event route of a kind whose predicate accepts a route key
    #: (:meth:`~lambent._kind_matcher.KindMatcher.match`, bound: the batch road calls it per distinct key)
    match: Callable[[str, Hashable], Route | None]

    def __init__(self) -> None:
        self.records = KindMatcher()
        self.match = self.records.match
        self._matchers: dict[str, Matcher[Any, Any, Any]] = {RECORDS: self.records}
        #: no more routes (``_closed_because`` says why); frozen: the matchers compiled too
        self._closed = False
        self._frozen = False
        self._closed_because = (
            "the app has started handling events; register every route before the first invocation"
        )
        #: sources with routes here whose items other sources' records can carry (set
        #: at freeze time)
        self.unwrappers: tuple[EventSource, ...] = ()
        #: what the pipeline builds once per route (by ``id(route)``): raw batches' runners
        self.memo: dict[int, Any] = {}

    # ------------------------------------------------------------------ matchers

    def plug(self, name: str, matcher: AnyMatcher) -> AnyMatcher:
        """Hold ``matcher``'s routes under ``name`` (a web router plugs its families in
        under their roles); returns it. A name holds one matcher."""
        if name in self._matchers:
            raise ConfigurationError(f"the route table has {name} routes already")
        self._matchers[name] = matcher
        if self._frozen:
            matcher.freeze()
        return matcher

    def matcher(self, name: str) -> Matcher[Any, Any, Any] | None:
        """The matcher plugged in under ``name``, or None."""
        return self._matchers.get(name)

    def matchers(self) -> Iterator[tuple[str, Matcher[Any, Any, Any]]]:
        """Every matcher with its name, in the order they were plugged in."""
        return iter(list(self._matchers.items()))

    def check_in(self, name: str, route: Any) -> None:
        """Raise ConfigurationError if ``route`` cannot join the ``name`` matcher."""
        matcher = self._matchers[name]
        if self._closed:
            raise ConfigurationError(f"cannot add {matcher.named(route)}: {self._closed_because}")
        matcher.check(route)

    def add_to(self, name: str, route: RouteT) -> RouteT:
        """Add ``route`` to the ``name`` matcher (``RECORDS``: a record or event route)
        and return it; raise ConfigurationError naming both routes on a conflict."""
        self.check_in(name, route)
        self._matchers[name].insert(route)
        self.memo.clear()
        return route

    def adopt(self, other: RouteTable, how: Inclusion) -> Adopted:
        """``other``'s routes (a router's), family by family, as this table would hold
        them (each family's :meth:`Matcher.adopt`), every one checked: the first conflict
        in any family is raised, naming both routes, before anything is added. A family
        not plugged in here yet has nothing to conflict with."""
        adopted = [
            (name, [matcher.adopt(route, how) for route in matcher])
            for name, matcher in other.matchers()
        ]
        for name, routes in adopted:
            for route in routes:
                if name in self._matchers:
                    self.check_in(name, route)
                elif self._closed:
                    named = other._matchers[name].named(route)
                    raise ConfigurationError(f"cannot add {named}: {self._closed_because}")
        return adopted

    def add_adopted(self, adopted: Adopted) -> None:
        """Add what :meth:`adopt` gave (every family of it plugged in here by now)."""
        for name, routes in adopted:
            for route in routes:
                self.add_to(name, route)

    def describe(self) -> list[str]:
        """Every route's line, matcher by matcher."""
        return [line for _, matcher in self.matchers() for line in matcher.describe()]

    # ------------------------------------------------------------------ record routes

    def __iter__(self) -> Iterator[Route]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def kinds(self) -> frozenset[str]:
        return self.records.kinds()

    def routes(self, kind: str) -> list[Route]:
        return self.records.routes(kind)

    def close(self, reason: str) -> None:
        """No more routes, for ``reason`` (in the error adding one more gives), nothing
        compiled: a router once included (its routes were copied, it answers nothing)."""
        self._closed = True
        self._closed_because = reason

    def freeze(self) -> None:
        """No more routes; compile every matcher (the app handles its first event)."""
        from lambent import sources

        if self._frozen:
            return
        self._closed = self._frozen = True
        for _, matcher in self.matchers():
            matcher.freeze()
        self.unwrappers = tuple(
            s for kind in self.records.kinds() for s in sources.load(kind) if s.unwrap is not None
        )
