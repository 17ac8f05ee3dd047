"""API Gateway WebSocket routes: ``@app.websocket(route_key)``.

Route keys are API Gateway's: ``$connect``, ``$disconnect``, ``$default`` and custom
routes chosen by the API's route selection expression. A message whose route key has no
handler goes to the ``$default`` handler when there is one; a ``$connect`` or
``$disconnect`` without a handler of its own is a RoutingError (API Gateway never sends
them to ``$default``: they reach the function only through routes of their own).

A handler may take the :class:`~lambent.sources.apigw_websocket.WebSocketRequest`, the
message body decoded into any other annotated type, ``connection_id``, ``route_key`` and
``event_type`` by name, the Lambda context and a logger. It returns ``None`` (``200``, no
body), a :class:`~lambent.http.Response`, or a value sent back as JSON (used by two-way
routes; for ``$connect`` any non-2xx status refuses the connection). A body that does not
decode answers ``422`` naming the field; other exceptions ``500`` with the request id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambent._errors import ConfigurationError, DecodeError, RoutingError
from lambent._inject import HandlerPlan
from lambent._logging import emit
from lambent._observe import cut_by_deadline
from lambent.http._invoke import DeadlineExceeded, run_plan
from lambent.http._render import render_checked
from lambent.http._response import (
    HTTPException,
    RequestValidationError,
    error_response,
    to_response,
)
from lambent.http._roles import KeyedRoleRoutes, role_spec

__all__ = ["WebSocketRoute", "WebSocketRoutes"]

#: the route keys of a connection's life, which ``$default`` never answers
_LIFECYCLE = frozenset({"$connect", "$disconnect"})


@dataclass(frozen=True, slots=True)
class WebSocketRoute:
    """A WebSocket handler for one route key."""

    route_key: str
    plan: HandlerPlan
    threaded: bool = False

    @property
    def where(self) -> str:
        """How messages name the route."""
        return _where(self.route_key)


def _where(route_key: str) -> str:
    """How messages name the WebSocket route of ``route_key`` (also before it is made)."""
    return f"websocket route {route_key!r}"


class WebSocketRoutes(KeyedRoleRoutes[str, WebSocketRoute]):
    """WebSocket handlers by route key (a :class:`~lambent._routes.Matcher` of the app's
    route table: matched by route key, ``$default`` for any other)."""

    __slots__ = ()

    def check(self, route: WebSocketRoute) -> None:
        if route.route_key in self._routes:
            raise ConfigurationError(f"WebSocket route {route.route_key!r} is registered twice")

    def insert(self, route: WebSocketRoute) -> None:
        self._routes[route.route_key] = route

    def lookup(self, key: str) -> WebSocketRoute | None:
        """The route of ``key``; ``$default``'s for a message whose key has none (API
        Gateway's ``$default`` takes messages only: a connection's ``$connect`` and
        ``$disconnect`` reach the function only through routes of their own)."""
        found = self._routes.get(key)
        if found is None and key not in _LIFECYCLE:
            found = self._routes.get("$default")
        return found

    @staticmethod
    def resolve(
        route_key: str, fn: Callable[..., Any], *, threaded: bool = False
    ) -> WebSocketRoute:
        """The route of ``fn`` for ``route_key``, its handler resolved once."""
        if not route_key:
            raise ConfigurationError("a WebSocket route key must not be empty")
        from lambent._record_params import resolve  # here: apps without WebSocket routes

        web = role_spec("websocket")
        plan = resolve(
            fn,
            where=_where(route_key),
            item_type=tuple(web.inject),
            event_type=None,
            payload_format="json",
            named=web.names,
        )
        return WebSocketRoute(route_key, plan, threaded)

    def describe(self) -> list[str]:
        return [f"websocket({key!r}) -> {r.plan.name}" for key, r in self._routes.items()]

    async def dispatch(
        self, spec: Any, event: Any, context: Any, log: Any, seconds: float | None
    ) -> dict[str, Any]:
        key = spec.web.key(event)
        found = self.lookup(key)
        if found is None:
            raise RoutingError(spec.kind, {"route_key": key})
        plan, threaded = found.plan, found.threaded
        try:
            try:
                result = await run_plan(
                    plan,
                    event,
                    spec=spec,
                    context=context,
                    log=log,
                    threaded=threaded,
                    seconds=seconds,
                )
            except DecodeError as exc:
                raise RequestValidationError("body", exc.reason, exc.path) from exc
            response = to_response(result) if result is not None else None
        except HTTPException as exc:
            response = exc.response()
        except DeadlineExceeded as exc:
            cut_by_deadline()
            emit(log.warning, "websocket handler timed out", route_key=key, error=str(exc))
            response = error_response(
                504, "the handler did not finish in time", request_id=event.request_id
            )
        except Exception as exc:
            emit(
                log.error,
                "websocket handler failed",
                route_key=key,
                handler=plan.name,
                exc_info=exc,
            )
            response = error_response(500, "Internal Server Error", request_id=event.request_id)
        if response is None:
            return {"statusCode": 200}
        rendered = render_checked(
            "rest", event, response, request_id=event.request_id, log=log, route_key=key
        )
        if not rendered["multiValueHeaders"]:
            del rendered["multiValueHeaders"]
        return rendered
