"""CloudFront Lambda@Edge events (LAMBDA.md §5.11): viewer-request, origin-request,
origin-response and viewer-response.

``{"Records": [{"cf": {"config", "request", "response"?}}]}`` with exactly one record.
Headers map a lower-case name to a list of ``{"key": <Original-Case>, "value"}``;
:attr:`CloudFrontRequest.headers` flattens them into a case-insensitive :class:`Headers`.
Request events carry ``request`` only; response events carry both; a request body is
present only when the trigger has "include body" set.

The item is the record; its ``cf`` is reachable through properties. Route key:
``(eventType, uri)``; a sample event without ``config.eventType`` (some published samples
omit it) routes with ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lambent.sources._base import SourceSpec, WebSpec, first_record
from lambent.sources._http import Headers, QueryStringViews, decode_body

__all__ = [
    "EVENT_TYPES",
    "SPECS",
    "CloudFrontBody",
    "CloudFrontConfig",
    "CloudFrontData",
    "CloudFrontEvent",
    "CloudFrontHeader",
    "CloudFrontOrigin",
    "CloudFrontRecord",
    "CloudFrontRequest",
    "CloudFrontResponse",
    "CustomOrigin",
    "S3Origin",
    "detect",
    "event_type_of",
]

#: values of ``cf.config.eventType``
EVENT_TYPES = ("viewer-request", "origin-request", "origin-response", "viewer-response")


class CloudFrontHeader(msgspec.Struct, frozen=True, gc=False):
    """One header value; ``key`` is the original-case name (may be omitted when writing)."""

    value: str
    key: str | None = None


HeaderMap = dict[str, list[CloudFrontHeader]]


def _headers(raw: HeaderMap | None) -> Headers:
    return Headers((name, h.value) for name, values in (raw or {}).items() for h in values)


class CloudFrontBody(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``request.body`` (only with "include body")."""

    data: str = ""
    #: ``"base64"`` (always, for events CloudFront sends) or ``"text"``
    encoding: str = "base64"
    #: ``"read-only"`` or ``"replace"``
    action: str = "read-only"
    input_truncated: bool = False

    @property
    def data_bytes(self) -> bytes:
        return decode_body(self.data, self.encoding == "base64")


class CustomOrigin(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``request.origin.custom``."""

    domain_name: str = ""
    path: str = ""
    port: int | None = None
    protocol: str | None = None
    custom_headers: HeaderMap = msgspec.field(default_factory=dict)
    keepalive_timeout: int | None = None
    read_timeout: int | None = None
    ssl_protocols: list[str] = msgspec.field(default_factory=list)


class S3Origin(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``request.origin.s3``."""

    domain_name: str = ""
    path: str = ""
    region: str | None = None
    auth_method: str | None = None
    custom_headers: HeaderMap = msgspec.field(default_factory=dict)


class CloudFrontOrigin(msgspec.Struct, frozen=True, gc=False):
    """``request.origin`` (origin events only): one of ``custom`` or ``s3``."""

    custom: CustomOrigin | None = None
    s3: S3Origin | None = None


class CloudFrontRequest(QueryStringViews, msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``cf.request``."""

    client_ip: str = ""
    method: str = ""
    uri: str = ""
    #: still encoded, no leading ``?``, ``""`` when none
    querystring: str = ""
    raw_headers: HeaderMap = msgspec.field(default_factory=dict, name="headers")
    body: CloudFrontBody | None = None
    origin: CloudFrontOrigin | None = None

    @property
    def headers(self) -> Headers:
        return _headers(self.raw_headers)


class CloudFrontResponse(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``cf.response`` (response events only)."""

    #: the status code as a string, e.g. ``"200"``
    status: str = ""
    status_description: str = ""
    raw_headers: HeaderMap = msgspec.field(default_factory=dict, name="headers")

    @property
    def headers(self) -> Headers:
        return _headers(self.raw_headers)

    @property
    def status_code(self) -> int:
        return int(self.status) if self.status.isdigit() else 0


class CloudFrontConfig(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``cf.config``."""

    distribution_domain_name: str = ""
    distribution_id: str = ""
    #: one of :data:`EVENT_TYPES`
    event_type: str = ""
    request_id: str = ""


class CloudFrontData(msgspec.Struct, frozen=True, gc=False):
    """``Records[0].cf``."""

    config: CloudFrontConfig = msgspec.field(default_factory=CloudFrontConfig)
    request: CloudFrontRequest | None = None
    response: CloudFrontResponse | None = None


class CloudFrontRecord(msgspec.Struct, frozen=True, gc=False):
    """The one record of a Lambda@Edge event. The item."""

    cf: CloudFrontData

    @property
    def config(self) -> CloudFrontConfig:
        return self.cf.config

    @property
    def request(self) -> CloudFrontRequest | None:
        return self.cf.request

    @property
    def response(self) -> CloudFrontResponse | None:
        return self.cf.response

    @property
    def event_type(self) -> str:
        return self.cf.config.event_type

    @property
    def request_id(self) -> str:
        return self.cf.config.request_id

    @property
    def uri(self) -> str:
        """The request URI (``""`` for a response-only sample record)."""
        return self.cf.request.uri if self.cf.request is not None else ""

    @property
    def is_request_event(self) -> bool:
        return self.cf.response is None


class CloudFrontEvent(msgspec.Struct, frozen=True, gc=False, rename={"records": "Records"}):
    """A Lambda@Edge event."""

    records: list[CloudFrontRecord]


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].cf.config`` is an object (LAMBDA.md §6 row 8 asks for
    ``config.eventType``; published samples omit it, so its presence is not required)."""
    record = first_record(event)
    if record is None:
        return False
    cf = record.get("cf")
    return isinstance(cf, dict) and isinstance(cf.get("config"), dict)


def event_type_of(record: CloudFrontRecord) -> str:
    """``config.eventType``, inferred from the record's shape when a sample omits it."""
    if record.event_type:
        return record.event_type
    request = record.request
    stage = "origin" if request is not None and request.origin is not None else "viewer"
    return f"{stage}-{'request' if record.response is None else 'response'}"


def _record(event: CloudFrontEvent) -> CloudFrontRecord:
    return event.records[0]


SPECS: tuple[SourceSpec[CloudFrontEvent, CloudFrontRecord], ...] = (
    SourceSpec(
        requires="Records",
        kind="cloudfront",
        detect=detect,
        event_type=CloudFrontEvent,
        item_type=CloudFrontRecord,
        items=lambda event: event.records[:1],
        raw_items=None,
        item_id=lambda record: record.request_id,
        route_key=lambda event, record: (record.event_type, record.uri),
        payload=None,
        response="http",
        web=WebSpec(
            role="edge",
            item=_record,
            key=event_type_of,
            keys={name: name for name in EVENT_TYPES},
            inject={CloudFrontRecord: lambda record: record, CloudFrontConfig: lambda r: r.config},
            names={"record": lambda record: record, "config": lambda record: record.config},
        ),
    ),
)
