"""API Gateway REST API proxy requests, and HTTP API requests in payload format 1.0.

Both use the same shape (LAMBDA.md §5.7); HTTP API 1.0 adds ``"version": "1.0"`` and
lower-case header names. Header names keep the client's case on the wire;
:attr:`RestRequest.headers` matches them case-insensitively.

Route key: ``(METHOD, path)``, with ``path`` the concrete request path (the matched
template is :attr:`RestRequest.resource`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import msgspec

from lambent.sources._base import Front, RequestLine, SourceSpec, WebSpec, epoch_ms
from lambent.sources._http import AHEAD, ClientCert, EncodedBody, MultiValueViews, request_spec

__all__ = [
    "SPECS",
    "LeanRestRequest",
    "RestIdentity",
    "RestRequest",
    "RestRequestContext",
    "detect",
    "event_line",
    "request_line",
]


class RestIdentity(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext.identity``: the caller as API Gateway authenticated it."""

    source_ip: str | None = None
    user_agent: str | None = None
    access_key: str | None = None
    account_id: str | None = None
    caller: str | None = None
    user: str | None = None
    user_arn: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_authentication_type: str | None = None
    cognito_authentication_provider: str | None = None
    cognito_amr: list[str] | None = None
    principal_org_id: str | None = None
    api_key: str | None = None
    api_key_id: str | None = None
    vpc_id: str | None = None
    vpce_id: str | None = None
    client_cert: ClientCert | None = None


class _IdentityContext(Protocol):
    @property
    def identity(self) -> RestIdentity | None: ...


class IdentityIp:
    """``source_ip`` of an event whose ``requestContext.identity`` names the caller (REST
    APIs and their REQUEST authorizers, WebSockets)."""

    __slots__ = ()
    request_context: _IdentityContext

    @property
    def source_ip(self) -> str:
        identity = self.request_context.identity
        return (identity.source_ip if identity is not None else None) or ""


class RestRequestContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext`` of a REST / HTTP API 1.0 request."""

    account_id: str | None = None
    api_id: str | None = None
    resource_id: str | None = None
    resource_path: str | None = None
    operation_name: str | None = None
    stage: str | None = None
    request_id: str = ""
    extended_request_id: str | None = None
    #: ``"04/Mar/2020:19:15:17 +0000"``; see :attr:`timestamp`
    request_time: str | None = None
    request_time_epoch: int | None = None
    http_method: str | None = None
    path: str | None = None
    protocol: str | None = None
    domain_name: str | None = None
    domain_prefix: str | None = None
    identity: RestIdentity | None = None
    #: Cognito ``{"claims", "scopes"}``, a Lambda authorizer's ``principalId`` + context
    #: keys, or ``None``; values are whatever the authorizer returned
    authorizer: dict[str, Any] | None = None

    @property
    def timestamp(self) -> datetime | None:
        """``requestTimeEpoch`` as an aware UTC datetime."""
        return None if self.request_time_epoch is None else epoch_ms(self.request_time_epoch)


class RestRequest(
    MultiValueViews, IdentityIp, EncodedBody, msgspec.Struct, frozen=True, gc=False, rename="camel"
):
    """A REST API proxy request (or HTTP API payload 1.0). The event and the item."""

    #: the matched resource template, e.g. ``/items/{id}``
    resource: str = ""
    path: str = ""
    http_method: str = ""
    #: ``"1.0"`` for HTTP API payload format 1.0; absent (``None``) for REST APIs
    version: str | None = None
    #: single-value headers as sent (original case); prefer :attr:`headers`
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: RestRequestContext = msgspec.field(default_factory=RestRequestContext)
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def path_params(self) -> Mapping[str, str]:
        return self.path_parameters or {}

    @property
    def request_id(self) -> str:
        return self.request_context.request_id

    @property
    def timestamp(self) -> datetime | None:
        return self.request_context.timestamp

    @property
    def is_http_api(self) -> bool:
        """True for an HTTP API payload-1.0 request, False for a REST API one."""
        return self.version == "1.0"


class LeanRestContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The part of ``requestContext`` a :class:`LeanRestRequest` reads."""

    request_id: str = ""


class LeanRestRequest(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """What the HTTP router reads of every REST request, decoded without the rest.

    The fields of :class:`RestRequest` under the same names, types and defaults, so a
    raw event that decodes into the full Struct decodes into this one alike; the full
    Struct is built from the raw event when something asks for more (headers, query, ...).
    """

    path: str = ""
    http_method: str = ""
    version: str | None = None
    request_context: LeanRestContext = msgspec.field(default_factory=LeanRestContext)
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def method(self) -> str:
        return self.http_method.upper()

    @property
    def request_id(self) -> str:
        return self.request_context.request_id


def detect(event: Mapping[str, Any]) -> bool:
    """``httpMethod`` + ``resource`` + a non-ALB ``requestContext`` (LAMBDA.md §6 row 19).

    ``requestContext.apiId`` is not required (trimmed sample events omit it); Bedrock agent
    events (``httpMethod`` + ``apiPath``) have neither ``resource`` nor ``requestContext``;
    WebSocket, ALB and authorizer events are claimed by earlier detectors, and ``methodArn``
    is refused here too so the REST authorizer is never mistaken for a request.
    """
    if type(event.get("httpMethod")) is not str or type(event.get("resource")) is not str:
        return False
    context = event.get("requestContext")
    return isinstance(context, dict) and "elb" not in context and "methodArn" not in event


def matched_template(event: Mapping[str, Any]) -> str | None:
    """``resource``: the template API Gateway matched (``/orders/{order_id}``)."""
    resource = event.get("resource")
    return resource if type(resource) is str else None


def request_line(event: Mapping[str, Any]) -> RequestLine | None:
    """What :class:`LeanRestRequest` gives of ``event`` (method, path, body, whether the
    path is encoded), with ``"METHOD resource"`` as the route key, read without decoding
    it; None when a field it holds is not of its type there (or ``requestContext`` is
    absent): the Struct then tells."""
    context = event.get("requestContext")
    if type(context) is not dict:
        return None
    return _line(event, context, event.get("httpMethod", ""), event.get("resource"))


def _line(
    event: Mapping[str, Any], context: dict[str, Any], method: Any, resource: Any
) -> RequestLine | None:
    """:func:`request_line` given the fields read already."""
    path, version = event.get("path", ""), event.get("version")
    body, is_b64 = event.get("body"), event.get("isBase64Encoded", False)
    if (
        type(method) is not str
        or type(path) is not str
        or (version is not None and type(version) is not str)
        or type(context.get("requestId", "")) is not str
        or type(is_b64) is not bool
        or (body is not None and type(body) is not str)
    ):
        return None
    method = method.upper()
    key = f"{method} {resource}" if type(resource) is str else None
    # HTTP API payload 1.0 (same shape) delivers the path decoded
    return method, path, key, body, is_b64, version != "1.0"


def event_line(event: Mapping[str, Any]) -> RequestLine | None:
    """:func:`request_line` when detection (with no user source registered:
    :func:`lambent.sources.certain_reader` checks) certainly says ``event`` is a REST
    request, else None (the registry's detection decides). The sources ahead in detection
    order either claim only events with one of ``AHEAD_KEYS`` (the record sources,
    the authorizers) or share this source's keys and are answered for here: ALB
    (``requestContext.elb``), Function URLs and HTTP APIs (``rawPath``, which they
    require) and WebSockets (``requestContext.connectionId``, which they require);
    ``tests/sources/test_apigw_rest.py`` checks it against the registry's detection. The
    fields every REST event has are read by their keys: an event without
    ``requestContext``, ``httpMethod`` or ``resource`` is no REST request (:func:`detect`
    requires them), and one without another of them is read by :func:`_line`, with their
    defaults (the same answer)."""
    try:
        context, method, resource = event["requestContext"], event["httpMethod"], event["resource"]
    except KeyError:
        return None
    if (
        type(context) is not dict
        or "elb" in context
        or "connectionId" in context
        or "rawPath" in event
        or type(method) is not str
        or type(resource) is not str
        or not AHEAD.isdisjoint(event)
    ):
        return None
    try:
        path, request_id, is_b64 = event["path"], context["requestId"], event["isBase64Encoded"]
    except KeyError:
        return _line(event, context, method, resource)
    version, body = event.get("version"), event.get("body")
    if (
        type(path) is not str
        or (version is not None and type(version) is not str)
        or type(request_id) is not str
        or type(is_b64) is not bool
        or (body is not None and type(body) is not str)
    ):
        return None  # a field the lean Struct does not take
    method = method.upper()
    # HTTP API payload 1.0 (same shape) delivers the path decoded
    return method, path, f"{method} {resource}", body, is_b64, version != "1.0"


SPECS: tuple[SourceSpec[RestRequest, RestRequest], ...] = (
    request_spec(
        requires="httpMethod",
        kind="apigw-rest",
        detect=detect,
        request_type=RestRequest,
        web=WebSpec(
            role="request",
            wire="rest",
            lean=LeanRestRequest,
            # HTTP API payload 1.0 (same shape) delivers the path decoded
            path_encoded=lambda event: getattr(event, "version", None) != "1.0",
            service_timeout=True,
            front=Front(
                error=(502, "application/json", b'{"message": "Internal server error"}'),
                timeout=(504, "application/json", b'{"message": "Endpoint request timed out"}'),
                names_route=True,
            ),
            template=matched_template,
            line=request_line,
            certain=event_line,
        ),
    ),
)
