"""API Gateway Lambda authorizer invocations (LAMBDA.md §6 rows 15 and 17).

Three shapes, one spec each, all of kind ``"apigw-authorizer"``; the route key names the
shape (:data:`AuthorizerType`):

* ``"TOKEN"``: REST TOKEN authorizer, :class:`TokenAuthorizerEvent`
  (``type``, ``authorizationToken``, ``methodArn`` only).
* ``"REQUEST"``: REST REQUEST authorizer, or an HTTP API authorizer with payload format
  1.0, :class:`RequestAuthorizerEvent` (a REST-shaped request plus ``methodArn``).
* ``"REQUEST-v2"``: HTTP API authorizer with payload format 2.0,
  :class:`HttpAuthorizerEvent` (a 2.0-shaped request plus ``routeArn`` and
  ``identitySource``). It would pass the HTTP API request test, so it is detected first.

The handler's return value is the function's result (an IAM policy, or for 2.0 simple
responses ``{"isAuthorized": ...}``); these events have no body payload.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple, TypeVar

import msgspec

from lambent.sources._base import SourceSpec, WebSpec
from lambent.sources._http import MultiValueViews
from lambent.sources.apigw_http import HttpRequestContext, V2Views
from lambent.sources.apigw_rest import IdentityIp, RestRequestContext

__all__ = [
    "SPECS",
    "AuthorizerType",
    "ExecuteApiArn",
    "HttpAuthorizerEvent",
    "RequestAuthorizerEvent",
    "TokenAuthorizerEvent",
    "detect",
    "parse_execute_api_arn",
]

#: the route keys of authorizer events
AuthorizerType = Literal["TOKEN", "REQUEST", "REQUEST-v2"]


class ExecuteApiArn(NamedTuple):
    """The parts of ``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>``."""

    region: str
    account_id: str
    api_id: str
    stage: str
    method: str
    #: the resource path without its leading ``/`` (``""`` for the root)
    resource: str


def parse_execute_api_arn(arn: str) -> ExecuteApiArn:
    """Split a ``methodArn``/``routeArn`` (missing parts are ``""``; never raises)."""
    parts = arn.split(":", 5)
    parts += [""] * (6 - len(parts))
    api_id, stage, method, resource = ([*parts[5].split("/", 3), "", "", ""])[:4]
    return ExecuteApiArn(parts[3], parts[4], api_id, stage, method, resource)


class TokenAuthorizerEvent(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A REST API TOKEN authorizer invocation."""

    type: str = "TOKEN"
    #: the value of the token source header (e.g. ``Authorization``)
    authorization_token: str = ""
    method_arn: str = ""

    @property
    def arn(self) -> ExecuteApiArn:
        return parse_execute_api_arn(self.method_arn)


class RequestAuthorizerEvent(
    MultiValueViews, IdentityIp, msgspec.Struct, frozen=True, gc=False, rename="camel"
):
    """A REST API REQUEST authorizer (or HTTP API payload-1.0 authorizer) invocation."""

    type: str = "REQUEST"
    method_arn: str = ""
    #: ``"1.0"`` for HTTP API payload 1.0, absent for REST
    version: str | None = None
    #: HTTP API 1.0: the identity sources, comma-joined
    identity_source: str | None = None
    authorization_token: str | None = None
    resource: str = ""
    path: str = ""
    http_method: str = ""
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: RestRequestContext = msgspec.field(default_factory=RestRequestContext)

    @property
    def arn(self) -> ExecuteApiArn:
        return parse_execute_api_arn(self.method_arn)

    @property
    def request_id(self) -> str:
        return self.request_context.request_id


class HttpAuthorizerEvent(V2Views, msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """An HTTP API Lambda authorizer invocation, payload format 2.0."""

    version: str = "2.0"
    type: str = "REQUEST"
    route_arn: str = ""
    #: the values of the configured identity sources
    identity_source: list[str] | None = None
    route_key: str | None = None
    raw_path: str = ""
    raw_query_string: str = ""
    raw_cookies: list[str] | None = msgspec.field(default=None, name="cookies")
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: HttpRequestContext = msgspec.field(default_factory=HttpRequestContext)

    @property
    def arn(self) -> ExecuteApiArn:
        return parse_execute_api_arn(self.route_arn)


def is_http_authorizer(event: Mapping[str, Any]) -> bool:
    """``version == "2.0"`` + ``type == "REQUEST"`` + ``routeArn`` (row 15)."""
    return (
        event.get("version") == "2.0"
        and event.get("type") == "REQUEST"
        and type(event.get("routeArn")) is str
    )


def is_token_authorizer(event: Mapping[str, Any]) -> bool:
    """``type == "TOKEN"`` + ``methodArn`` (row 17)."""
    return event.get("type") == "TOKEN" and type(event.get("methodArn")) is str


def is_request_authorizer(event: Mapping[str, Any]) -> bool:
    """``type == "REQUEST"`` + ``methodArn`` (row 17)."""
    return event.get("type") == "REQUEST" and type(event.get("methodArn")) is str


def detect(event: Mapping[str, Any]) -> bool:
    """Any of the three authorizer shapes."""
    return is_http_authorizer(event) or is_token_authorizer(event) or is_request_authorizer(event)


def _token(event: Any) -> str:
    """The caller's token: a TOKEN authorizer's, else the Authorization header, else the
    first identity source."""
    token = getattr(event, "authorization_token", None)
    if token:
        return str(token)
    headers = getattr(event, "headers", None)
    if headers is not None and "authorization" in headers:
        return str(headers["authorization"])
    identity = getattr(event, "identity_source", None)
    if isinstance(identity, list) and identity:
        return str(identity[0])
    return identity if isinstance(identity, str) else ""


def _same(event: Any) -> Any:
    return event


def _arn(event: Any) -> Any:
    return event.arn


_WEB = WebSpec(
    role="authorizer",
    inject={
        TokenAuthorizerEvent: _same,
        RequestAuthorizerEvent: _same,
        HttpAuthorizerEvent: _same,
        ExecuteApiArn: _arn,
    },
    names={"event": _same, "request": _same, "token": _token, "arn": _arn},
    key=lambda event: (
        "REQUEST-v2" if isinstance(event, HttpAuthorizerEvent) else str(event.type).upper()
    ),
    keys={
        "TOKEN": "TOKEN",
        "REQUEST": "REQUEST",
        "HTTP": "REQUEST-v2",
        "REQUEST-V2": "REQUEST-v2",
        "V2": "REQUEST-v2",
    },
    simple=lambda event: isinstance(event, HttpAuthorizerEvent),
)

_EventT = TypeVar("_EventT", TokenAuthorizerEvent, RequestAuthorizerEvent, HttpAuthorizerEvent)


def _spec(
    requires: str,
    detect: Callable[[Mapping[str, Any]], bool],
    event_type: type[_EventT],
    item_id: Callable[[_EventT], str],
    key: AuthorizerType,
) -> SourceSpec[_EventT, _EventT]:
    """The spec of one authorizer shape: the event is its one item, routed by the shape's
    ``key``, with no payload; the web router answers it (``_WEB``)."""
    return SourceSpec(
        requires=requires,
        kind="apigw-authorizer",
        detect=detect,
        event_type=event_type,
        item_type=event_type,
        item_id=item_id,
        route_key=lambda event, item: key,
        payload=None,
        response="http",
        web=_WEB,
    )


_HTTP_SPEC = _spec(
    "routeArn", is_http_authorizer, HttpAuthorizerEvent, lambda e: e.request_id or e.route_arn,
    "REQUEST-v2",
)  # fmt: skip
_TOKEN_SPEC = _spec(
    "methodArn", is_token_authorizer, TokenAuthorizerEvent, lambda e: e.method_arn, "TOKEN"
)
_REQUEST_SPEC = _spec(
    "methodArn", is_request_authorizer, RequestAuthorizerEvent,
    lambda e: e.request_id or e.method_arn, "REQUEST",
)  # fmt: skip

#: detection order: the 2.0 shape first (it would pass the HTTP API request test)
SPECS: tuple[SourceSpec[Any, Any], ...] = (_HTTP_SPEC, _TOKEN_SPEC, _REQUEST_SPEC)
