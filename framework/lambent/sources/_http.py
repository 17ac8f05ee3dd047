"""Shared pieces of the HTTP-shaped sources (API Gateway, Function URLs, ALB, Lambda@Edge).

Every HTTP source decodes into its own wire Struct; this module gives them one normalised
view, so the router and handlers never care which service delivered a request:

* :class:`Headers`: case-insensitive, multi-valued, read-only mapping.
* :class:`QueryParams`: case-sensitive, multi-valued, read-only mapping.
* :func:`parse_cookies`, :func:`decode_body`, :func:`body_payload`.
* :class:`HttpRequest`: the Protocol every HTTP request Struct satisfies.
* :func:`fronts`: the services in front of the request sources (``lambent dev`` and the
  test client pose as them).

A multi-valued mapping's ``m[key]`` is the **last** value, as in the single-value maps AWS
itself builds (ALB and REST APIs keep the last of repeated headers or parameters), so
``m[key]`` agrees across single- and multi-value events; ``m.get_all(key)`` gives every
value in arrival order.

The request Structs are ``frozen`` and ``gc=False`` (so no ``cached_property``): their
normalised properties (``headers``, ``query``, ``cookies``, ``body_bytes``) build a fresh
value on each access. Bind it once (``headers = request.headers``) in hot code.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

import msgspec

from lambent.http._views import (
    Headers,
    QueryParams,
    QueryStringViews,
    body_payload,
    decode_body,
    parse_cookies,
)
from lambent.sources._base import Front, SourceSpec, WebSpec

__all__ = [
    "AHEAD",
    "AHEAD_KEYS",
    "CertValidity",
    "ClientCert",
    "EncodedBody",
    "Headers",
    "HttpRequest",
    "MultiValueMaps",
    "MultiValueViews",
    "QueryParams",
    "QueryStringViews",
    "body_payload",
    "decode_body",
    "fronts",
    "parse_cookies",
    "request_spec",
    "str_map",
]


#: the top-level keys of the sources ahead of API Gateway's in detection order that API
#: Gateway's requests do not have (``lambent.sources.SOURCES``): the readings that settle
#: their detection (``HttpApiBytes``, ``WebSpec.certain``) want them absent
AHEAD_KEYS = ("Records", "Service", "awslogs", "records", "messages", "rmqMessagesByQueue",
              "routeArn", "methodArn")  # fmt: skip
#: :data:`AHEAD_KEYS` as a set (an event has none of them: ``AHEAD.isdisjoint(event)``)
AHEAD = frozenset(AHEAD_KEYS)


class CertValidity(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """Validity window of a mutual-TLS client certificate (``"May 28 12:30:02 2019 GMT"``)."""

    not_before: str = ""
    not_after: str = ""


class ClientCert(
    msgspec.Struct,
    frozen=True,
    gc=False,
    rename={
        "client_cert_pem": "clientCertPem",
        "subject_dn": "subjectDN",
        "issuer_dn": "issuerDN",
        "serial_number": "serialNumber",
    },
):
    """The mutual-TLS client certificate API Gateway verified."""

    client_cert_pem: str = ""
    subject_dn: str = ""
    issuer_dn: str = ""
    serial_number: str = ""
    validity: CertValidity | None = None


class HttpRequest(Protocol):
    """The normalised view every HTTP request Struct offers (REST, HTTP API, URL, ALB)."""

    @property
    def method(self) -> str:
        """Upper-case HTTP method."""

    @property
    def path(self) -> str:
        """The request path as the service reports it."""

    @property
    def headers(self) -> Headers: ...

    @property
    def query(self) -> QueryParams: ...

    @property
    def cookies(self) -> Mapping[str, str]: ...

    @property
    def path_params(self) -> Mapping[str, str]:
        """Path parameters the service matched (``{}`` when none, always for ALB/URLs)."""

    @property
    def body_bytes(self) -> bytes: ...

    @property
    def source_ip(self) -> str: ...

    @property
    def request_id(self) -> str: ...

    @property
    def timestamp(self) -> datetime | None:
        """When the service received the request (``None`` where it does not say: ALB)."""


class MultiValueMaps:
    """``headers`` and ``query`` of the payload-1.0 shape (REST APIs and their REQUEST
    authorizers, ALB, WebSockets): AWS's single- and multi-value maps merged."""

    __slots__ = ()
    raw_headers: dict[str, str] | None
    multi_value_headers: dict[str, list[str]] | None
    query_string_parameters: dict[str, str] | None
    multi_value_query_string_parameters: dict[str, list[str]] | None

    @property
    def headers(self) -> Headers:
        """All headers, case-insensitive; repeated headers keep every value."""
        return Headers.from_maps(self.raw_headers, self.multi_value_headers)

    @property
    def query(self) -> QueryParams:
        """Query parameters (decoded), repeated keys keep every value."""
        return QueryParams.from_maps(
            self.query_string_parameters, self.multi_value_query_string_parameters
        )


class MultiValueViews(MultiValueMaps):
    """:class:`MultiValueMaps` of a request with ``httpMethod``: its ``method`` and its
    ``cookies``, parsed from the ``Cookie`` header(s)."""

    __slots__ = ()
    http_method: str

    @property
    def method(self) -> str:
        return self.http_method.upper()

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies parsed from the ``Cookie`` header(s)."""
        return parse_cookies(self.headers.get_all("cookie"))


class EncodedBody:
    """``body_bytes`` of a request whose ``body`` may be base64 (``isBase64Encoded``)."""

    __slots__ = ()
    body: str | None
    is_base64_encoded: bool

    @property
    def body_bytes(self) -> bytes:
        return decode_body(self.body, self.is_base64_encoded)


def str_map(value: Mapping[str, str | None] | None) -> dict[str, str]:
    """A ``{str: str}`` copy of a nullable AWS map, dropping null values."""
    return {k: v for k, v in (value or {}).items() if v is not None}


class _WireRequest(HttpRequest, Protocol):
    """An :class:`HttpRequest` Struct with its body as the service sent it."""

    @property
    def body(self) -> str | None: ...
    @property
    def is_base64_encoded(self) -> bool: ...


RequestT = TypeVar("RequestT", bound=_WireRequest)


def _request_id(request: _WireRequest) -> str:
    return request.request_id


def _method_and_path(event: object, request: _WireRequest) -> Hashable:
    return (request.method, request.path)


def _payload(request: _WireRequest) -> str | bytes:
    return body_payload(request.body, request.is_base64_encoded)


def request_spec(
    *,
    requires: str,
    kind: str,
    detect: Callable[[Mapping[str, Any]], bool],
    request_type: type[RequestT],
    web: WebSpec,
) -> SourceSpec[RequestT, RequestT]:
    """The :class:`SourceSpec` of an HTTP request source: the event is its one item, named
    by its request id, routed by ``(METHOD, path)``, its payload the (JSON) body; answered
    as the source's ``web`` says."""
    return SourceSpec(
        requires=requires,
        kind=kind,
        detect=detect,
        event_type=request_type,
        item_type=request_type,
        item_id=_request_id,
        route_key=_method_and_path,
        payload=_payload,
        payload_format="json",
        response="http",
        web=web,
    )


def fronts() -> dict[str, tuple[str, Front]]:
    """The HTTP front ends ``lambent dev`` and ``lambent.testing.TestClient`` can pose as:
    each name (a request source's kind, or one of its ``variants``) -> ``(kind, front)``,
    in the registry's order (imports those source modules)."""
    from lambent import sources

    found: dict[str, tuple[str, Front]] = {}
    for spec in sources.web("request"):
        front = spec.web.front if spec.web is not None else None
        if front is not None:
            for name in (spec.kind, *front.variants):
                found[name] = (spec.kind, front)
    return found
