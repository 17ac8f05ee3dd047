"""CloudFront Lambda@Edge: ``@app.edge(event_type, path=)`` with request/response views.

``event_type`` is ``viewer-request``, ``origin-request``, ``origin-response`` or
``viewer-response``; ``path`` a CloudFront-style path pattern (``*`` and ``?`` wildcards,
``/images/*.jpg``) matched against the URI, ``None`` for every URI. Routes with a path are
tried before catch-alls. An event without ``config.eventType`` (some published samples) is
taken as ``origin-*`` when its request names an origin, else ``viewer-*``.

Handlers take an :class:`EdgeRequest` and/or :class:`EdgeResponse` (by annotation, or the
names ``request``/``response``), the ``CloudFrontRecord``/``CloudFrontConfig``, the Lambda
context and a logger. Views have a normal header mapping (:class:`MutableHeaders`).

* Request events: return the request (or ``None``) to continue to the origin, or an
  :class:`EdgeResponse` / :class:`~lambent.http.Response` to answer directly.
* Response events: return the response (or ``None``: the possibly changed view).

Rendering restores CloudFront's ``{name: [{"key", "value"}]}`` header form and rejects,
with :class:`EdgeResultError`, what CloudFront would reject: changed read-only headers,
added disallowed headers, a bad or (viewer-response) changed status, a 204 with a body,
bodies and generated responses over the event type's size limits. The limits are in :mod:`lambent.http._edge_views`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import translate
from typing import Any

from lambent._errors import ConfigurationError, RoutingError
from lambent._inject import HandlerPlan
from lambent.http._edge_views import EdgeRequest, EdgeResponse, EdgeResultError
from lambent.http._named import resolve_named, run_named
from lambent.http._response import Response, encode_body
from lambent.http._roles import RoleRoutes, role_spec

__all__ = ["EdgeRoute", "EdgeRoutes"]


class _Views:
    """The views of one record, built on first use by a handler parameter."""

    __slots__ = ("config", "event_type", "record", "request", "response")

    def __init__(self, record: Any, event_type: str) -> None:
        self.record = record
        self.config = record.config
        self.event_type = event_type
        self.request = (
            EdgeRequest.from_struct(record.request) if record.request is not None else None
        )
        self.response = (
            EdgeResponse.from_struct(record.response) if record.response is not None else None
        )


_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    EdgeRequest: lambda v: v.request,
    EdgeResponse: lambda v: v.response,
}
_BY_NAME: dict[str, Callable[[Any], Any]] = {
    "request": lambda v: v.request,
    "response": lambda v: v.response,
    "event_type": lambda v: v.event_type,
}


def _on_record(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A source's getter (of the record) as a getter of the views."""
    return lambda views: read(views.record)


def from_http_response(response: Response) -> EdgeResponse:
    """A :class:`~lambent.http.Response` as a generated CloudFront response."""
    text, is_b64, default_type = encode_body(response.body)
    headers = response.headers.copy()
    content_type = response.media_type or default_type
    if content_type is not None and "content-type" not in headers:
        headers["Content-Type"] = content_type
    for cookie in response.cookies:
        headers.add("Set-Cookie", cookie)
    body: Any = response.body
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    elif body is not None and not isinstance(body, str | bytes):
        body = text  # encoded as JSON
    del is_b64
    return EdgeResponse(response.status, headers=headers, body=body)


@dataclass(frozen=True, slots=True)
class EdgeRoute:
    """An edge handler for one event type and path pattern (``None``: every URI)."""

    event_type: str
    path: str | None
    #: the path pattern compiled (CloudFront's wildcards as a regex)
    pattern: re.Pattern[str] | None
    plan: HandlerPlan
    threaded: bool = False

    @property
    def where(self) -> str:
        """How messages name the route."""
        return _where(self.event_type, self.path)


def _where(event_type: str, path: str | None) -> str:
    """How messages name the edge route of ``event_type`` and ``path`` (also before it is
    made)."""
    return f"edge route {event_type} {path or '*'}"


class EdgeRoutes(RoleRoutes):
    """Edge handlers by event type and path pattern; a :class:`~lambent._routes.Matcher`
    of the app's route table, matched by ``(event type, URI)``: routes with a path
    first, then the catch-all."""

    def __init__(self) -> None:
        self._routes: dict[str, list[EdgeRoute]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._routes.values())

    def __iter__(self) -> Iterator[EdgeRoute]:
        return iter([route for routes in self._routes.values() for route in routes])

    def check(self, route: EdgeRoute) -> None:
        if any(r.path == route.path for r in self._routes.get(route.event_type, ())):
            raise ConfigurationError(f"{route.where} is registered twice")

    def insert(self, route: EdgeRoute) -> None:
        routes = self._routes.setdefault(route.event_type, [])
        if route.path is None:
            routes.append(route)
        else:
            at = next((i for i, r in enumerate(routes) if r.path is None), len(routes))
            routes.insert(at, route)

    def freeze(self) -> None:
        """Nothing to compile: each path pattern is compiled with its route."""

    @staticmethod
    def resolve(
        event_type: str, path: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> EdgeRoute:
        """The route of ``fn`` for ``event_type`` and ``path``, its handler resolved once."""
        web = role_spec("edge")
        known = web.keys or {}
        if event_type not in known:
            raise ConfigurationError(
                f"unknown Lambda@Edge event type {event_type!r}; use one of {', '.join(known)}"
            )
        where = _where(event_type, path)
        by_type = {**_BY_TYPE, **{t: _on_record(g) for t, g in web.inject.items()}}
        by_name = {**_BY_NAME, **{n: _on_record(g) for n, g in web.names.items()}}
        plan = resolve_named(fn, where=where, by_type=by_type, by_name=by_name)
        pattern = (
            None
            if path is None
            else re.compile(translate(path if path.startswith("/") else "/" + path))
        )
        return EdgeRoute(event_type, path, pattern, plan, threaded)

    def describe(self) -> list[str]:
        return [f"edge({r.event_type}, {r.path or '*'}) -> {r.plan.name}" for r in self]

    def lookup(self, key: tuple[str, str]) -> EdgeRoute | None:
        """The first route of the event type whose pattern takes the URI."""
        event_type, uri = key
        for route in self._routes.get(event_type, ()):
            if route.pattern is None or route.pattern.match(uri):
                return route
        return None

    async def dispatch(
        self, spec: Any, event: Any, context: Any, log: Any, seconds: float | None
    ) -> Any:
        web = spec.web
        record = web.item(event)
        event_type = web.key(record)
        found = self.lookup((event_type, record.uri))
        if found is None:
            raise RoutingError(spec.kind, {"event_type": event_type, "uri": record.uri})
        plan, threaded = found.plan, found.threaded
        views = _Views(record, event_type)
        result = await run_named(plan, views, context, log, threaded, seconds)
        return render_result(result, views)


def render_result(result: Any, views: _Views) -> Any:
    """The Lambda result for an edge handler's return value (validated)."""
    event_type = views.event_type
    is_request = event_type.endswith("request")
    if isinstance(result, dict):
        return result
    if isinstance(result, Response):
        result = from_http_response(result)
    if result is None:
        result = views.request if is_request else views.response
        if result is None:
            raise EdgeResultError(
                f"{event_type}: the event has nothing to continue with; return a response"
            )
    if isinstance(result, EdgeRequest):
        if not is_request:
            raise EdgeResultError(
                f"{event_type}: a response trigger must return the response, not a request"
            )
        return result.render(event_type, views.record.request)
    if isinstance(result, EdgeResponse):
        original = views.record.response
        return result.render(event_type, original, generated=is_request)
    raise EdgeResultError(
        f"{event_type}: cannot answer with a {type(result).__name__}; return an EdgeRequest, "
        "an EdgeResponse, a lambent Response or None"
    )
