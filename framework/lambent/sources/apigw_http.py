"""API Gateway HTTP API requests, payload format 2.0 (LAMBDA.md §5.8).

Function URLs use the same schema; :mod:`lambent.sources.function_url` subclasses
:class:`HttpApiRequest`. Header names arrive lower-case with repeated headers comma-joined
(they cannot be split back safely, so each header has one value). Repeated query
parameters are comma-joined in ``queryStringParameters`` too, so :attr:`HttpApiRequest.query`
parses ``rawQueryString`` instead and keeps every value.

Route key: ``(METHOD, path)``, with ``path`` = ``rawPath`` (``requestContext.http.path``
when absent; the two agree in real events, sample events disagree on trailing slashes and
``rawPath`` is what the client sent); the matched route is :attr:`HttpApiRequest.route_key`.
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

__all__ = [
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
        return self.raw_path or self.request_context.http.path

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


#: the top-level keys of the sources ahead of this one in detection order that its events
#: do not have (``lambent.sources.SOURCES``), as :class:`HttpApiBytes` marks them
AHEAD_KEYS = ("Records", "Service", "awslogs", "records", "messages", "rmqMessagesByQueue",
              "routeArn", "methodArn")  # fmt: skip
_BYTES_NAMES = {
    "records_": "Records",
    "service_": "Service",
    "awslogs_": "awslogs",
    "records_lower_": "records",
    "messages_": "messages",
    "rmq_messages_": "rmqMessagesByQueue",
    "route_arn_": "routeArn",
    "method_arn_": "methodArn",
    "version": "version",
    "raw_path": "rawPath",
    "route_key": "routeKey",
    "body": "body",
    "is_base64_encoded": "isBase64Encoded",
    "request_context": "requestContext",
}


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
    return _line(
        http.get("method", ""),
        event.get("rawPath", ""),
        http.get("path", ""),
        context.get("requestId", ""),
        event.get("body"),
        event.get("isBase64Encoded", False),
        event.get("routeKey"),
    )


def _line(
    method: Any, path: Any, http_path: Any, request_id: Any, body: Any, is_b64: Any, key: Any
) -> RequestLine | None:
    """:func:`request_line` from the fields it reads (None: one is not of its type)."""
    if (
        type(method) is not str
        or type(path) is not str
        or type(http_path) is not str
        or type(request_id) is not str
        or type(is_b64) is not bool
        or (body is not None and type(body) is not str)
    ):
        return None
    return method.upper(), path or http_path, key if type(key) is str else None, body, is_b64, False


_UNSET: Any = msgspec.UNSET
#: a field that must be absent: its key, with any value, fails the decoding
_Absent = msgspec.UnsetType


class _BytesHttp(msgspec.Struct, frozen=True, gc=False):
    """``requestContext.http`` as :func:`request_line` reads it (absent: its default)."""

    method: Any = ""
    path: Any = ""


class _BytesContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """What detection and :func:`request_line` read of ``requestContext``."""

    http: _BytesHttp | msgspec.UnsetType = _UNSET
    request_id: Any = ""
    domain_name: Any = None
    #: ALB's detector claims what has it
    elb: _Absent = _UNSET


class HttpApiBytes(msgspec.Struct, frozen=True, gc=False, rename=_BYTES_NAMES):
    """An invocation's bytes decoded into what deciding "this is an HTTP API request, with
    this request line" reads: the fields :func:`is_v2_request` and :func:`request_line`
    read (values typed ``Any``: each is what the full decoding gives; an absent one its
    ``.get`` default), what the detectors ahead of this source that share its keys read
    (ALB: ``requestContext.elb``; Function URLs: ``requestContext.domainName``), and each
    top-level key of the other sources ahead in detection order (:data:`AHEAD_KEYS`),
    which must be absent, as ``elb`` must: an event that has one fails the decoding and is
    decoded in full. The rest of the event is skipped."""

    version: Any = None
    raw_path: Any = None
    route_key: Any = None
    body: Any = None
    is_base64_encoded: Any = False
    request_context: _BytesContext | msgspec.UnsetType = _UNSET
    records_: _Absent = _UNSET
    service_: _Absent = _UNSET
    awslogs_: _Absent = _UNSET
    records_lower_: _Absent = _UNSET
    messages_: _Absent = _UNSET
    rmq_messages_: _Absent = _UNSET
    route_arn_: _Absent = _UNSET
    method_arn_: _Absent = _UNSET


def bytes_line(view: HttpApiBytes) -> RequestLine | None:
    """The :func:`request_line` of the event ``view`` was decoded from, when detection
    (with no user source registered: the registry checks) certainly says it is an HTTP
    API request: it decoded (none of the keys of the sources ahead that do not share this
    source's keys, no ``requestContext.elb``), has no Function URL domain and passes
    :func:`is_v2_request`. Else None: the full event decides.
    ``tests/sources/test_apigw_http_bytes.py`` checks it against the registry's detection."""
    context = view.request_context
    if type(context) is not _BytesContext:
        return None
    http = context.http
    if type(http) is not _BytesHttp or view.version != "2.0":
        return None
    domain = context.domain_name
    if type(domain) is str and ".lambda-url." in domain:
        return None  # a Function URL request
    return _line(
        http.method,
        view.raw_path,
        http.path,
        context.request_id,
        view.body,
        view.is_base64_encoded,
        view.route_key,
    )


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
            from_bytes=(HttpApiBytes, bytes_line),
        ),
    ),
)
