"""Matching request paths against the routes' templates (compiled by
:mod:`lambent.http._templates`): matching returns a value and never mutates.

Trailing slashes: a template's trailing slash is dropped at registration, and a request
path's trailing slashes are ignored when matching, so ``/orders`` and ``/orders/`` reach
the same route (no redirect: behind API Gateway a redirect would cost a round trip and
REST and HTTP APIs already treat both as one resource).

Encoded paths: REST APIs, Function URLs and ALB deliver the path still percent-encoded;
HTTP APIs (payload 1.0 and 2.0) deliver it decoded. :func:`normalise` takes the flag and
returns a path whose segments are decoded, with ``%`` and ``/`` *inside* a segment kept
escaped, so that literal segments compare as text and parameter values are decoded exactly
once (``%252F`` -> ``%2F``, never ``/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from lambent._errors import ConfigurationError
from lambent.http._templates import PathTemplate, compile_path

__all__ = [
    "Endpoint",
    "RouteMap",
    "TemplateMatcher",
    "allow_of",
    "normalise",
    "segment_parts",
]

R = TypeVar("R")


def unquote(text: str) -> str:
    """Percent-decode ``text`` (only paths with ``%`` need it: ``urllib.parse`` is
    imported then, not by every HTTP app)."""
    from urllib.parse import unquote as decode

    return decode(text)


def _escape_segment(segment: str) -> str:
    return unquote(segment).replace("%", "%25").replace("/", "%2F")


def normalise(path: str, encoded: bool) -> tuple[str, bool]:
    """The path to match and whether matched parameter values still need one unquote."""
    if len(path) > 1 and path[-1] == "/":
        path = path.rstrip("/") or "/"
    elif not path:
        return "/", False
    if not encoded or "%" not in path:
        return path, False
    return "/".join(_escape_segment(s) for s in path.split("/")), True


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[R]):
    """One path template and its routes by method; ``allow`` is the ``Allow`` header value."""

    path: PathTemplate
    routes: Mapping[str, R]
    allow: str


@dataclass(frozen=True, slots=True)
class _Bucket(Generic[R]):
    """Dynamic endpoints tried in order, as one regex: an alternation of their templates'
    patterns, each alternative a group (which one matched is ``match.lastindex``) holding
    the template's parameters as unnamed groups. Python's ``re`` tries the alternatives
    left to right, so the first endpoint that matches wins, as in a loop over them."""

    regex: re.Pattern[str]
    #: group index of an alternative -> its endpoint, and each parameter's group index
    by_group: dict[int, tuple[Endpoint[R], tuple[tuple[str, int], ...]]]

    @classmethod
    def of(cls, endpoints: tuple[Endpoint[R], ...]) -> _Bucket[R]:
        alternatives: list[str] = []
        by_group: dict[int, tuple[Endpoint[R], tuple[tuple[str, int], ...]]] = {}
        group = 1
        for endpoint in endpoints:
            compiled = endpoint.path
            assert compiled.pattern is not None
            pattern = compiled.pattern.removeprefix("^")
            for name in compiled.params:
                # a template's literal text is escaped, so "(?P<" only opens a parameter
                pattern = pattern.replace(f"(?P<{name}>", "(", 1)
            alternatives.append(f"({pattern})")
            params = tuple((name, group + 1 + i) for i, name in enumerate(compiled.params))
            by_group[group] = (endpoint, params)
            group += 1 + len(params)
        return cls(re.compile("^(?:" + "|".join(alternatives) + ")"), by_group)

    def match(self, target: str) -> tuple[Endpoint[R], dict[str, str]] | None:
        found = self.regex.match(target)
        if found is None:
            return None
        group = found.lastindex
        assert group is not None
        endpoint, groups = self.by_group[group]
        params: dict[str, str] = {}
        for name, index in groups:
            params[name] = found[index]
        return endpoint, params


@dataclass(slots=True)
class RouteMap(Generic[R]):
    """Templates -> methods -> routes; built at registration, read-only once frozen."""

    _building: dict[str, tuple[PathTemplate, dict[str, R]]] = field(default_factory=dict)
    _static: dict[str, Endpoint[R]] = field(default_factory=dict)
    _dynamic: tuple[Endpoint[R], ...] = ()
    #: dynamic endpoints by their first literal segment (each tuple in specificity order,
    #: with the endpoints whose first segment is a parameter merged in)
    _by_first: dict[str, tuple[Endpoint[R], ...]] = field(default_factory=dict)
    #: the endpoints whose first segment is a parameter (for any other first segment)
    _any_first: tuple[Endpoint[R], ...] = ()
    #: ``_by_first`` and ``_any_first`` as one regex each
    _buckets: dict[str, _Bucket[R]] = field(default_factory=dict)
    _any_bucket: _Bucket[R] | None = None
    #: dynamic templates no earlier endpoint can shadow -> the endpoint and its own
    #: matcher (:meth:`match_known`)
    _known: dict[str, tuple[Endpoint[R], TemplateMatcher]] = field(default_factory=dict)
    _frozen: bool = False
    #: templates by their shape (:attr:`PathTemplate.shape`): those matching the same paths
    _shapes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, methods: tuple[str, ...], template: str, route: R) -> PathTemplate:
        if self._frozen:
            raise ConfigurationError(
                f"cannot add the route {template!r}: the app has started handling events"
            )
        compiled = compile_path(template)
        entry = self._building.get(compiled.template)
        if entry is None:
            entry = self._building[compiled.template] = (compiled, {})
            if not compiled.is_static:
                self._shapes.setdefault(compiled.shape, []).append(compiled.template)
        for method in methods:
            if method in entry[1]:
                raise ConfigurationError(f"route {method} {compiled.template} is registered twice")
            entry[1][method] = route
        self._frozen_view_stale()
        return compiled

    def get(self, template: str, method: str) -> R | None:
        """The route of ``method`` on the (compiled) ``template``, if any."""
        entry = self._building.get(template)
        return None if entry is None else entry[1].get(method)

    def twin(self, template: str, method: str) -> tuple[str, R] | None:
        """Another template of ``template``'s shape (``/p/{y}`` for ``/p/{x}``) with a
        route of ``method``, and that route: it answers every request ``template`` would."""
        compiled = compile_path(template)
        for other in self._shapes.get(compiled.shape, ()) if not compiled.is_static else ():
            route = self._building[other][1].get(method) if other != template else None
            if route is not None:
                return other, route
        return None

    def values(self) -> list[R]:
        """Every route once, in registration order (one route may serve several methods)."""
        seen: dict[int, R] = {}
        for _, by_method in self._building.values():
            for route in by_method.values():
                seen.setdefault(id(route), route)
        return list(seen.values())

    def _frozen_view_stale(self) -> None:
        self._static = {}
        self._dynamic = ()
        self._buckets = {}
        self._any_bucket = None

    def freeze(self) -> None:
        self._build()
        self._frozen = True

    def _build(self) -> None:
        static: dict[str, Endpoint[R]] = {}
        dynamic: list[Endpoint[R]] = []
        for compiled, by_method in self._building.values():
            endpoint = Endpoint(compiled, dict(by_method), _allow(by_method))
            if compiled.is_static:
                static[compiled.template] = endpoint
            else:
                dynamic.append(endpoint)
        # most specific first: fixed-length before greedy, more literal segments first, then
        # more literal text (``/files/{name}.json`` before ``/files/{name}``)
        dynamic.sort(key=lambda e: (e.path.greedy, -e.path.static_segments, -e.path.literal_length))
        self._static, self._dynamic = static, tuple(dynamic)
        firsts = [_first_literal(e.path.template) for e in dynamic]
        self._any_first = tuple(e for e, f in zip(dynamic, firsts, strict=True) if f is None)
        self._by_first = {
            first: tuple(e for e, f in zip(dynamic, firsts, strict=True) if f in (first, None))
            for first in {f for f in firsts if f is not None}
        }
        self._buckets = {first: _Bucket.of(group) for first, group in self._by_first.items()}
        self._any_bucket = _Bucket.of(self._any_first) if self._any_first else None
        self._known = {}
        for i, endpoint in enumerate(dynamic):
            first = firsts[i]
            earlier = [
                e.path.template
                for e, f in zip(dynamic[:i], firsts, strict=False)
                if first is None or f in (first, None)
            ]
            template = endpoint.path.template
            regex = endpoint.path.regex
            if regex is not None and all(_disjoint(e, template) for e in earlier):
                self._known[template] = (endpoint, _matcher(endpoint.path, regex, static))

    def known(self) -> dict[str, tuple[Endpoint[R], TemplateMatcher]]:
        """The templates :meth:`match_known` checks by their own matcher (frozen maps)."""
        return dict(self._known)

    def endpoints(self) -> list[Endpoint[R]]:
        if not self._frozen and not (self._static or self._dynamic):
            self._build()
        return [*self._static.values(), *self._dynamic]

    def match(self, path: str, *, encoded: bool) -> tuple[Endpoint[R], dict[str, str]] | None:
        """The endpoint for ``path`` and its decoded parameters, or None."""
        if not self._frozen and not (self._static or self._dynamic) and self._building:
            self._build()
        if path and path[-1] != "/" and not (encoded and "%" in path):
            target, unquote_params = path, False  # what normalise() returns for it
        else:
            target, unquote_params = normalise(path, encoded)
        endpoint = self._static.get(target)
        if endpoint is not None:
            return endpoint, {}
        bucket = self._buckets.get(target[1:].partition("/")[0], self._any_bucket)
        found = None if bucket is None else bucket.match(target)
        if found is not None and unquote_params:
            params = {k: unquote(v) if "%" in v else v for k, v in found[1].items()}
            return found[0], params
        return found

    def matching(self, path: str, *, encoded: bool) -> list[tuple[Endpoint[R], dict[str, str]]]:
        """Every endpoint whose template matches ``path``, with its decoded parameters, in
        the order :meth:`match` tries them (its answer first). Where that one has no route
        of a request's method a later one may: a catch-all ``/{proxy+}`` taking every
        method beside ``GET /items`` answers ``POST /items``, as API Gateway routes it."""
        if not self._frozen and not (self._static or self._dynamic) and self._building:
            self._build()
        target, unquote_params = normalise(path, encoded)
        static = self._static.get(target)
        out: list[tuple[Endpoint[R], dict[str, str]]] = [] if static is None else [(static, {})]
        for endpoint in self._dynamic:
            regex = endpoint.path.regex  # compiled once by ``re``'s own cache
            found = None if regex is None else regex.match(target)
            if found is not None:
                params = found.groupdict()
                if unquote_params:
                    params = {k: unquote(v) if "%" in v else v for k, v in params.items()}
                out.append((endpoint, params))
        return out

    def match_known(
        self, template: str, path: str, *, encoded: bool
    ) -> tuple[Endpoint[R], dict[str, str]] | None:
        """:meth:`match`, given a hint: ``template``, the route the service (API Gateway)
        says it matched. The hint is checked, never trusted: when ``template`` is a dynamic
        template no earlier endpoint can shadow, the path is no static route's and the
        template's own regex matches it, that endpoint is the one :meth:`match` finds
        (with the same parameters); otherwise :meth:`match` answers."""
        known = self._known.get(template)
        if known is not None:
            params = known[1](path, encoded)
            if params is not None:
                return known[0], params
        return self.match(path, encoded=encoded)


#: a known template's own matching (:meth:`RouteMap.match_known`): ``(path, encoded)`` ->
#: the decoded parameters when the path is the template's, else None (:meth:`RouteMap.match`
#: then answers: a path of no template, or one that only matching can tell)
TemplateMatcher = Callable[[str, bool], "dict[str, str] | None"]


def _matcher(
    compiled: PathTemplate, regex: re.Pattern[str], static: Mapping[str, object]
) -> TemplateMatcher:
    """The matcher of a known template: its regex on the normalised path, no static route's.
    A template whose one parameter is its whole last segment (``/orders/{id}``) is matched
    without the regex: the literal prefix, then one non-empty segment (what ``[^/]+``
    takes), on a path that needs no normalising."""
    parts = segment_parts(compiled)
    if parts is not None:
        prefix, name = parts
        cut = len(prefix)

        def segment(path: str, encoded: bool) -> dict[str, str] | None:
            if (
                path.startswith(prefix)
                and path[-1] != "/"
                and not (encoded and "%" in path)
                and path not in static
            ):
                value = path[cut:]
                if "/" not in value:
                    return {name: value}
            return None

        return segment

    def match(path: str, encoded: bool) -> dict[str, str] | None:
        if path and path[-1] != "/" and not (encoded and "%" in path):
            target, unquote_params = path, False  # what normalise() returns for it
        else:
            target, unquote_params = normalise(path, encoded)
        found = None if target in static else regex.match(target)
        if found is None:
            return None
        params = found.groupdict()
        if unquote_params:
            params = {k: unquote(v) if "%" in v else v for k, v in params.items()}
        return params

    return match


def segment_parts(compiled: PathTemplate) -> tuple[str, str] | None:
    """The literal prefix and the parameter of a template whose one parameter is its whole
    last segment (``/orders/{id}``: its known matcher takes the prefix, then one segment)."""
    params = compiled.params
    if len(params) == 1 and not compiled.greedy and compiled.template.endswith(f"/{{{params[0]}}}"):
        return compiled.template[: -len(params[0]) - 2], params[0]
    return None


def _disjoint(a: str, b: str) -> bool:
    """True when no path can match both templates (a conservative test: False when unsure).

    A fixed-length template matches paths of exactly its number of segments, a greedy one
    (``{name+}``, last) paths of at least that many; two whole literal segments at one
    position that differ keep them apart."""
    sa, sb = a.split("/"), b.split("/")
    ga, gb = a.endswith("+}"), b.endswith("+}")
    if (not ga and not gb and len(sa) != len(sb)) or (ga and len(sb) < len(sa) and not gb):
        return True
    if gb and len(sa) < len(sb) and not ga:
        return True
    return any(
        "{" not in x and "}" not in x and "{" not in y and "}" not in y and x != y
        for x, y in zip(sa, sb, strict=False)
    )


def _first_literal(template: str) -> str | None:
    """The first path segment of a template when it is literal (``/orders/{id}`` → ``orders``)."""
    first = template[1:].partition("/")[0]
    return None if "{" in first else first


def allow_of(endpoints: Iterable[Endpoint[Any]]) -> str:
    """The ``Allow`` header of a path that ``endpoints`` (all of those matching it) serve."""
    return _allow({method: None for endpoint in endpoints for method in endpoint.routes})


def _allow(by_method: Mapping[str, object]) -> str:
    methods = set(by_method)
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    return ", ".join(m for m in order if m in methods)
