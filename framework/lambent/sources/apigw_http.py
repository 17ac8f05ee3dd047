"""API Gateway HTTP API requests, payload format 2.0 (LAMBDA.md §5.8).

Function URLs use the same schema; :mod:`lambent.sources.function_url` subclasses
:class:`HttpApiRequest`. Header names arrive lower-case with repeated headers comma-joined
(they cannot be split back safely, so each header has one value). Repeated query
parameters are comma-joined in ``queryStringParameters`` too, so :attr:`HttpApiRequest.query`
parses ``rawQueryString`` instead and keeps every value.

Route key: ``(METHOD, path)``, with ``path`` = ``rawPath`` (``requestContext.http.path``
when absent; the two agree in real events, sample events disagree on trailing slashes and
``rawPath`` is what the client sent) less a named stage's segment (``without_stage``); the
matched route is :attr:`HttpApiRequest.route_key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import msgspec

from lambent.sources._base import Front, RequestLine, SourceSpec, WebSpec, epoch_ms
from lambent.sources._http import (
    ClientCert,
    EncodedBody,
    Headers,
    QueryParams,
    parse_cookies,
    request_spec,
)
from lambent.sources._http_api_line import (
    AHEAD_KEYS,
    HttpApiBytes,
    bytes_line,
    event_line,
    fields_line,
    without_stage,
)

__all__ = [
    "AHEAD_KEYS",
    "SPECS",
    "HttpApiBytes",
    "HttpApiRequest",
    "HttpAuthentication",
    "HttpAuthorizer",
    "HttpIamAuthorizer",
    "HttpInfo",
    "HttpJwtAuthorizer",
    "HttpRequestContext",
    "LeanHttpApiRequest",
    "bytes_line",
    "detect",
    "event_line",
    "is_v2_request",
    "request_line",
]


class HttpInfo(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext.http``."""

    method: str = ""
    path: str = ""
    protocol: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None


class HttpAuthentication(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext.authentication`` (mutual TLS)."""

    client_cert: ClientCert | None = None


class HttpJwtAuthorizer(msgspec.Struct, frozen=True, gc=False):
    """``requestContext.authorizer.jwt``."""

    claims: dict[str, Any] | None = None
    scopes: list[str] | None = None


class HttpIamAuthorizer(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext.authorizer.iam`` (IAM auth; Function URLs with ``AWS_IAM``)."""

    access_key: str | None = None
    account_id: str | None = None
    caller_id: str | None = None
    cognito_identity: dict[str, Any] | None = None
    principal_org_id: str | None = None
    user_arn: str | None = None
    user_id: str | None = None


class HttpAuthorizer(msgspec.Struct, frozen=True, gc=False):
    """``requestContext.authorizer``: whichever of JWT, Lambda (context dict) or IAM applies."""

    jwt: HttpJwtAuthorizer | None = None
    lambda_: dict[str, Any] | None = msgspec.field(default=None, name="lambda")
    iam: HttpIamAuthorizer | None = None


class HttpRequestContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext`` of a payload-2.0 request."""

    account_id: str | None = None
    api_id: str | None = None
    domain_name: str | None = None
    domain_prefix: str | None = None
    request_id: str = ""
    route_key: str | None = None
    stage: str | None = None
    #: ``"12/Mar/2020:19:03:58 +0000"``; see :attr:`timestamp`
    time: str | None = None
    time_epoch: int | None = None
    http: HttpInfo = msgspec.field(default_factory=HttpInfo)
    authentication: HttpAuthentication | None = None
    authorizer: HttpAuthorizer | None = None

    @property
    def timestamp(self) -> datetime | None:
        """``timeEpoch`` as an aware UTC datetime."""
        return None if self.time_epoch is None else epoch_ms(self.time_epoch)


class _HttpInfo(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...


class _V2Context(Protocol):
    @property
    def http(self) -> _HttpInfo: ...
    @property
    def request_id(self) -> str: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def domain_name(self) -> Any: ...


class _V2Accessors:
    """``method``, ``path`` and ``request_id`` of a payload-2.0 request, shared by the full
    and the lean Structs (both have ``raw_path`` and ``request_context.http``)."""

    __slots__ = ()
    raw_path: str
    request_context: _V2Context

    @property
    def method(self) -> str:
        return self.request_context.http.method.upper()

    @property
    def path(self) -> str:
        """``rawPath`` less a named stage's segment (:func:`without_stage`)."""
        context = self.request_context
        stage = context.stage
        if stage == "$default" or stage is None:
            return self.raw_path or context.http.path
        return without_stage(self.raw_path or context.http.path, stage, context.domain_name)

    @property
    def request_id(self) -> str:
        return self.request_context.request_id


class V2Views(_V2Accessors):
    """The normalised views of a payload-2.0 request, shared by HTTP API requests (and
    Function URLs) and the 2.0 authorizer payload."""

    __slots__ = ()
    raw_query_string: str
    raw_cookies: list[str] | None
    raw_headers: dict[str, str] | None
    query_string_parameters: dict[str, str] | None
    request_context: HttpRequestContext

    @property
    def headers(self) -> Headers:
        """Headers, case-insensitive (repeated ones stay comma-joined, as delivered)."""
        return Headers.from_maps(self.raw_headers, None)

    @property
    def query(self) -> QueryParams:
        """Query parameters parsed from ``rawQueryString`` (every value of a repeated key)."""
        if self.raw_query_string:
            return QueryParams.parse(self.raw_query_string)
        return QueryParams.from_maps(self.query_string_parameters, None)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies from the ``cookies`` list; from a ``cookie`` header when the event has
        no list (the services never send one, hand-written events may)."""
        if self.raw_cookies is None and self.raw_headers and "cookie" in self.raw_headers:
            return parse_cookies((self.raw_headers["cookie"],))
        return parse_cookies(self.raw_cookies or ())

    @property
    def source_ip(self) -> str:
        return self.request_context.http.source_ip or ""


class HttpApiRequest(V2Views, EncodedBody, msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """An HTTP API payload-2.0 request. The event and the item."""

    version: str = "2.0"
    #: ``"$default"`` or ``"GET /items/{id}"``
    route_key: str | None = None
    raw_path: str = ""
    #: still encoded, no leading ``?``, ``""`` when none
    raw_query_string: str = ""
    #: ``cookies`` as sent (``"name=value"`` strings); prefer :attr:`cookies`
    raw_cookies: list[str] | None = msgspec.field(default=None, name="cookies")
    #: lower-case names, repeated headers comma-joined; prefer :attr:`headers`
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: HttpRequestContext = msgspec.field(default_factory=HttpRequestContext)
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def path_params(self) -> Mapping[str, str]:
        return self.path_parameters or {}

    @property
    def timestamp(self) -> datetime | None:
        return self.request_context.timestamp


class LeanHttpInfo(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The part of ``requestContext.http`` a :class:`LeanHttpApiRequest` reads."""

    method: str = ""
    path: str = ""


class LeanHttpContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The part of ``requestContext`` a :class:`LeanHttpApiRequest` reads."""

    request_id: str = ""
    stage: str | None = None
    #: read only for a named stage (:func:`without_stage`): of any type, as the line reads it
    domain_name: Any = None
    http: LeanHttpInfo = msgspec.field(default_factory=LeanHttpInfo)


class LeanHttpApiRequest(_V2Accessors, msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """What the HTTP router reads of every payload-2.0 request (HTTP APIs, Function URLs).

    The fields of :class:`HttpApiRequest` under the same names, types and defaults, so a
    raw event that decodes into the full Struct decodes into this one alike; the full
    Struct is built from the raw event when something asks for more (headers, query, ...).
    """

    raw_path: str = ""
    request_context: LeanHttpContext = msgspec.field(default_factory=LeanHttpContext)
    body: str | None = None
    is_base64_encoded: bool = False


def is_v2_request(event: Mapping[str, Any]) -> bool:
    """``version == "2.0"`` + ``rawPath`` + ``requestContext.http`` (LAMBDA.md §6 row 16).

    VPC Lattice v2 events also say ``version: "2.0"`` but carry ``path``/``method`` and no
    ``rawPath`` or ``requestContext.http``, so they fail here and stay ``direct``. The 2.0
    authorizer payload passes; it is claimed earlier (``type`` + ``routeArn``).
    """
    if event.get("version") != "2.0" or type(event.get("rawPath")) is not str:
        return False
    context = event.get("requestContext")
    return isinstance(context, dict) and isinstance(context.get("http"), dict)


def detect(event: Mapping[str, Any]) -> bool:
    """A payload-2.0 request (Function URLs and 2.0 authorizers were claimed before)."""
    return is_v2_request(event)


def matched_template(event: Mapping[str, Any]) -> str | None:
    """The template of ``routeKey`` (``"PUT /orders/{id}"`` -> ``"/orders/{id}"``)."""
    key = event.get("routeKey")
    return key.partition(" ")[2] if type(key) is str else None


def request_line(event: Mapping[str, Any]) -> RequestLine | None:
    """What :class:`LeanHttpApiRequest` gives of ``event`` (method, path, body), with its
    ``routeKey``, read without decoding it; None when a field it holds is not of its type
    there (or ``requestContext.http`` is absent): the Struct then tells."""
    context = event.get("requestContext")
    if type(context) is not dict:
        return None
    http = context.get("http")
    if type(http) is not dict:
        return None
    return fields_line(event, context, http, event.get("rawPath", ""))


SPECS: tuple[SourceSpec[HttpApiRequest, HttpApiRequest], ...] = (
    request_spec(
        requires="rawPath",
        kind="apigw-http",
        detect=is_v2_request,  # ``detect`` itself, one call fewer per request
        request_type=HttpApiRequest,
        web=WebSpec(
            role="request",
            wire="v2",
            lean=LeanHttpApiRequest,
            service_timeout=True,
            front=Front(
                error=(500, "application/json", b'{"message":"Internal Server Error"}'),
                timeout=(503, "application/json", b'{"message":"Service Unavailable"}'),
                infers_json=True,
                names_route=True,
                decodes_path=True,
            ),
            template=matched_template,
            line=request_line,
            certain=event_line,
            from_bytes=(HttpApiBytes, bytes_line),
        ),
    ),
)
