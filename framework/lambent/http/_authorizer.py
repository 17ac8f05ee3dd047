"""API Gateway Lambda authorizers: ``@app.authorizer(kind)`` and a small policy builder.

Kinds: ``"TOKEN"`` (REST TOKEN), ``"REQUEST"`` (REST REQUEST, and HTTP API payload 1.0),
``"HTTP"`` (HTTP API payload 2.0; ``"REQUEST-v2"`` is accepted too) or ``None`` (any).
The handler may take the event (annotate it with ``TokenAuthorizerEvent``,
``RequestAuthorizerEvent`` or ``HttpAuthorizerEvent``, or name it ``event``), ``token``
(the ``authorizationToken``, else the ``Authorization`` header, else the first identity
source), ``arn`` (the parsed method/route ARN), the Lambda context and a logger.

It returns one of:

* a :class:`Policy` (IAM policy response; REST, and HTTP API in IAM-policy mode),
* a :class:`SimpleAuthorization` (HTTP API "simple" responses),
* ``True``/``False``: REST -> a policy allowing/denying every method of the stage for
  principal ``"user"`` (a stage-wide resource, so a cached answer fits every route);
  HTTP API 2.0 -> ``{"isAuthorized": ...}``; ``None`` denies;
* a dict, returned as it is.

Raise :class:`Unauthorized` to make API Gateway answer 401 (the function fails with the
message ``"Unauthorized"``, which is how AWS documents it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lambent._errors import ConfigurationError, HandlerError, RoutingError, describe
from lambent._inject import HandlerPlan
from lambent._logging import emit
from lambent._outcomes import json_result
from lambent.http._named import resolve_named, run_named
from lambent.http._roles import KeyedRoleRoutes, role_spec

__all__ = ["AuthorizerRoute", "AuthorizerRoutes", "Policy", "SimpleAuthorization", "Unauthorized"]
ContextValue = str | int | float | bool


class Unauthorized(Exception):
    """Raise in an authorizer to have API Gateway answer 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _check_context(context: Mapping[str, Any] | None) -> dict[str, ContextValue]:
    out = dict(context or {})
    for key, value in out.items():
        if not isinstance(value, str | int | float | bool):
            raise TypeError(
                f"authorizer context value {key!r} is a {type(value).__name__}; "
                "API Gateway accepts only strings, numbers and booleans"
            )
    return out


@dataclass(frozen=True, slots=True)
class SimpleAuthorization:
    """An HTTP API simple response: ``{"isAuthorized": ..., "context": {...}}``."""

    authorized: bool
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"isAuthorized": self.authorized}
        if self.context:
            out["context"] = _check_context(self.context)
        return out


class Policy:
    """An IAM policy response built statement by statement.

    >>> policy = Policy("user-42", context={"tier": "gold"}).allow("GET", "/orders/*")
    >>> arn = ExecuteApiArn("eu-west-1", "123456789012", "abc123", "prod", "GET", "orders/1")
    >>> policy.render(arn)["policyDocument"]["Statement"][0]["Resource"]
    ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders/*']
    """

    __slots__ = ("_statements", "context", "principal_id", "usage_identifier_key")

    def __init__(
        self,
        principal_id: str,
        *,
        context: Mapping[str, ContextValue] | None = None,
        usage_identifier_key: str | None = None,
    ) -> None:
        self.principal_id = principal_id
        self.context = _check_context(context)
        self.usage_identifier_key = usage_identifier_key
        self._statements: list[tuple[str, str, str]] = []

    def allow(self, method: str = "*", path: str = "*") -> Policy:
        """Allow ``method`` on ``path`` (``*`` wildcards) in the calling API and stage."""
        self._statements.append(("Allow", method.upper(), path))
        return self

    def deny(self, method: str = "*", path: str = "*") -> Policy:
        self._statements.append(("Deny", method.upper(), path))
        return self

    def allow_all(self) -> Policy:
        return self.allow()

    def deny_all(self) -> Policy:
        return self.deny()

    def allow_arn(self, arn: str) -> Policy:
        """Allow a full ``execute-api`` resource ARN."""
        self._statements.append(("Allow", "", arn))
        return self

    def deny_arn(self, arn: str) -> Policy:
        self._statements.append(("Deny", "", arn))
        return self

    def render(self, arn: Any) -> dict[str, Any]:
        """The response document for a request whose method/route ARN is ``arn``."""
        if not self._statements:
            raise ConfigurationError("an authorizer Policy needs at least one allow or deny")
        prefix = f"arn:aws:execute-api:{arn.region}:{arn.account_id}:{arn.api_id}/{arn.stage}"
        by_effect: dict[str, list[str]] = {}
        for effect, method, path in self._statements:
            resource = path if not method else f"{prefix}/{method}/{path.lstrip('/')}"
            by_effect.setdefault(effect, []).append(resource)
        statements = [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}
            for effect, resources in by_effect.items()
        ]
        out: dict[str, Any] = {
            "principalId": self.principal_id,
            "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        }
        if self.context:
            out["context"] = dict(self.context)
        if self.usage_identifier_key is not None:
            out["usageIdentifierKey"] = self.usage_identifier_key
        return out


def render_decision(result: Any, event: Any, *, simple: bool, handler: str) -> Any:
    """The Lambda result for an authorizer handler's return value (``simple``: the event
    asks for HTTP API simple responses); a value that is none of the answers (or a dict
    JSON cannot hold) is a :class:`HandlerError` naming the ``handler``, not a result the
    Lambda runtime fails to send later."""
    if isinstance(result, Policy):
        return result.render(event.arn)
    if isinstance(result, SimpleAuthorization):
        return result.render()
    if result is None or isinstance(result, bool):
        allowed = bool(result)
        if simple:
            return {"isAuthorized": allowed}
        policy = Policy("user")
        return (policy.allow_all() if allowed else policy.deny_all()).render(event.arn)
    if isinstance(result, Mapping):
        if not simple and not ("principalId" in result and "policyDocument" in result):
            # a REST (or payload 1.0) authorizer answers with a policy only: API Gateway
            # would answer the client 500 for anything else (isAuthorized included)
            missing = [k for k in ("principalId", "policyDocument") if k not in result]
            raise HandlerError(
                handler,
                f"returned a dict without {' and '.join(missing)}; a REST authorizer's "
                "answer is a policy (return a Policy, True, False, or a dict with "
                "principalId and policyDocument)",
            )
        return json_result(result, handler)
    raise HandlerError(
        handler,
        f"returned {type(result).__name__}; an authorizer returns a Policy, a "
        "SimpleAuthorization, True, False, None or a dict",
    )


@dataclass(frozen=True, slots=True)
class AuthorizerRoute:
    """An authorizer handler for one kind of request (``key``: the kind as the source's
    route key reads it; ``None``: any)."""

    kind: str | None
    key: str | None
    plan: HandlerPlan
    threaded: bool = False

    @property
    def where(self) -> str:
        """How messages name the route."""
        return _where(self.kind)


def _where(kind: str | None) -> str:
    """How messages name the authorizer route of ``kind`` (also before it is made)."""
    return f"authorizer ({kind or 'any'})"


class AuthorizerRoutes(KeyedRoleRoutes[str | None, AuthorizerRoute]):
    """Authorizer handlers by kind (``None``: any); a :class:`~lambent._routes.Matcher`
    of the app's route table, matched by the source's route key."""

    __slots__ = ()

    def check(self, route: AuthorizerRoute) -> None:
        if route.key in self._routes:
            raise ConfigurationError(
                f"an authorizer for {route.kind or 'any kind'} is already registered"
            )

    def insert(self, route: AuthorizerRoute) -> None:
        self._routes[route.key] = route

    def lookup(self, key: str | None) -> AuthorizerRoute | None:
        return self._routes.get(key) or self._routes.get(None)

    @staticmethod
    def resolve(
        kind: str | None, fn: Callable[..., Any], *, threaded: bool = False
    ) -> AuthorizerRoute:
        """The route of ``fn`` for ``kind``, its handler resolved once."""
        web = role_spec("authorizer")
        keys = web.keys or {}
        key = None if kind is None else keys.get(kind.upper())
        if kind is not None and key is None:
            raise ConfigurationError(
                f"unknown authorizer kind {kind!r}; use TOKEN, REQUEST or HTTP"
            )
        plan = resolve_named(fn, where=_where(kind), by_type=web.inject, by_name=web.names)
        return AuthorizerRoute(kind, key, plan, threaded)

    def describe(self) -> list[str]:
        return [f"authorizer({k or '*'}) -> {r.plan.name}" for k, r in self._routes.items()]

    async def dispatch(
        self, spec: Any, event: Any, context: Any, log: Any, seconds: float | None
    ) -> Any:
        web = spec.web
        key = web.key(event)
        found = self.lookup(key)
        if found is None:
            raise RoutingError(spec.kind, {"type": key})
        plan, threaded = found.plan, found.threaded
        try:
            result = await run_named(plan, event, context, log, threaded, seconds)
        except Unauthorized:
            raise
        except Exception as exc:
            emit(
                log.error, "authorizer failed", handler=plan.name, error=describe(exc), exc_info=exc
            )
            raise
        simple = web.simple is not None and web.simple(event)
        return render_decision(result, event, simple=simple, handler=plan.name)
