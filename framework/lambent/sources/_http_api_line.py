"""The request line of an HTTP API (payload 2.0) request: from its event's fields
(:func:`lambent.sources.apigw_http.request_line`; :func:`event_line`, which also settles
detection) or from a lean view of the invocation's bytes (:class:`HttpApiBytes`,
:func:`bytes_line`), which also settles whether the registry's detection would call the
event an HTTP API request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lambent.sources._base import RequestLine
from lambent.sources._http import AHEAD, AHEAD_KEYS

__all__ = [
    "AHEAD",
    "AHEAD_KEYS",
    "HttpApiBytes",
    "bytes_line",
    "checked_line",
    "event_line",
    "fields_line",
    "without_stage",
]

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


def without_stage(path: str, stage: str | None, domain: Any) -> str:
    """``path`` (``rawPath``) less the segment of a named stage: on its own domain
    (``{api}.execute-api.{region}.amazonaws.com``) an HTTP API serves its ``$default``
    stage at the root, a stage named otherwise (``dev``) under ``/dev``, and delivers that
    segment in ``rawPath`` and ``requestContext.http.path`` (``/dev/orders/1``), while its
    routes (``routeKey``) do not have it. On a custom domain the API mapping chooses the
    stage, and the path has no segment of it."""
    if not stage or stage == "$default" or type(domain) is not str or ".execute-api." not in domain:
        return path
    size = len(stage) + 1
    if path.startswith(stage, 1) and path[:1] == "/" and path[size : size + 1] in ("/", ""):
        return path[size:] or "/"
    return path


def checked_line(
    method: Any,
    path: Any,
    http_path: Any,
    request_id: Any,
    body: Any,
    is_b64: Any,
    key: Any,
    stage: Any = None,
    domain: Any = None,
) -> RequestLine | None:
    """:func:`request_line` from the fields it reads (None: one is not of its type); the
    path less a named ``stage``'s segment (:func:`without_stage`)."""
    if (
        type(method) is not str
        or type(path) is not str
        or type(http_path) is not str
        or type(request_id) is not str
        or type(is_b64) is not bool
        or (body is not None and type(body) is not str)
    ):
        return None
    if stage != "$default" and stage is not None:  # a named stage: its segment goes
        if type(stage) is not str:
            return None
        path = without_stage(path or http_path, stage, domain)
    return method.upper(), path or http_path, key if type(key) is str else None, body, is_b64, False


_UNSET: Any = msgspec.UNSET
#: a field that must be absent: its key, with any value, fails the decoding
_Absent = msgspec.UnsetType


class _BytesHttp(msgspec.Struct, frozen=True, gc=False):
    """``requestContext.http`` as :func:`request_line` reads it (absent: its default)."""

    method: str = ""
    path: str = ""


class _BytesContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """What detection and :func:`request_line` read of ``requestContext``."""

    http: _BytesHttp | msgspec.UnsetType = _UNSET
    request_id: str = ""
    domain_name: Any = None
    stage: str | None = None
    #: ALB's detector claims what has it
    elb: _Absent = _UNSET


class HttpApiBytes(msgspec.Struct, frozen=True, gc=False, rename=_BYTES_NAMES):
    """An invocation's bytes decoded into what deciding "this is an HTTP API request, with
    this request line" reads: the fields :func:`is_v2_request` and :func:`request_line`
    read (an absent one is its ``.get`` default; those the request line takes as they
    are, the method, the paths, the request id, the body and ``isBase64Encoded``, are typed
    as :func:`checked_line` wants them, a value of another type fails the decoding, and
    ``checked_line`` would have said None; the others typed ``Any``: each is what the
    full decoding gives), what the detectors ahead of this source that share its keys read
    (ALB: ``requestContext.elb``; Function URLs: ``requestContext.domainName``), and each
    top-level key of the other sources ahead in detection order (:data:`AHEAD_KEYS`),
    which must be absent, as ``elb`` must: an event that has one fails the decoding and is
    decoded in full. The rest of the event is skipped."""

    version: Any = None
    raw_path: Any = None
    route_key: Any = None
    body: str | None = None
    is_base64_encoded: bool = False
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
    ``tests/sources/test_http_api_line.py`` checks it against the registry's detection."""
    context = view.request_context
    if type(context) is not _BytesContext:
        return None
    http = context.http
    if type(http) is not _BytesHttp or view.version != "2.0":
        return None
    domain = context.domain_name
    if type(domain) is str and ".lambda-url." in domain:
        return None  # a Function URL request
    path = view.raw_path
    if type(path) is not str:
        return None
    key = view.route_key  # the other fields are of their types (``HttpApiBytes``)
    stage = context.stage
    if stage != "$default" and stage is not None:  # a named stage: its segment goes
        path = without_stage(path or http.path, stage, domain)
    return (
        http.method.upper(),
        path or http.path,
        key if type(key) is str else None,
        view.body,
        view.is_base64_encoded,
        False,
    )


def event_line(event: Mapping[str, Any]) -> RequestLine | None:
    """:func:`bytes_line` for an event's fields: its :func:`request_line` when detection
    (with no user source registered: :func:`lambent.sources.certain_reader` checks)
    certainly says it is an HTTP API request (none of :data:`AHEAD_KEYS`, no
    ``requestContext.elb``, no Function URL domain, :func:`is_v2_request`), else None (the
    registry's detection decides). The fields every API Gateway event has are read by
    their keys; an event without one of them is read by :func:`_event_line`, with their
    defaults (the same answer). ``tests/sources/test_http_api_line.py`` checks both
    against the registry's detection."""
    try:
        context, path, version = event["requestContext"], event["rawPath"], event["version"]
        if (
            type(context) is not dict
            or "elb" in context
            or version != "2.0"
            or type(path) is not str
            or not AHEAD.isdisjoint(event)
        ):
            return None
        http, domain, request_id = context["http"], context["domainName"], context["requestId"]
        if type(http) is not dict:
            return None
        method, http_path, is_b64 = http["method"], http["path"], event["isBase64Encoded"]
        stage = context["stage"]
    except KeyError:
        return _event_line(event)
    body, key = event.get("body"), event.get("routeKey")
    if (
        (type(domain) is str and ".lambda-url." in domain)
        or type(method) is not str
        or type(http_path) is not str
        or type(request_id) is not str
        or type(is_b64) is not bool
        or (body is not None and type(body) is not str)
    ):
        return None  # a Function URL request, or a field the lean Struct does not take
    if stage != "$default" and stage is not None:  # a named stage: its segment goes
        if type(stage) is not str:
            return None
        path = without_stage(path or http_path, stage, domain)
    return method.upper(), path or http_path, key if type(key) is str else None, body, is_b64, False


def _event_line(event: Mapping[str, Any]) -> RequestLine | None:
    """:func:`event_line` of an event without one of the fields it reads by key."""
    context = event.get("requestContext")
    if (
        type(context) is not dict
        or "elb" in context
        or event.get("version") != "2.0"
        or not AHEAD.isdisjoint(event)
    ):
        return None
    path, http, domain = event.get("rawPath"), context.get("http"), context.get("domainName")
    if type(path) is not str or type(http) is not dict:
        return None  # not detected as HTTP API, or ``request_line`` says None
    if type(domain) is str and ".lambda-url." in domain:
        return None
    return fields_line(event, context, http, path)


def fields_line(
    event: Mapping[str, Any], context: Mapping[str, Any], http: Mapping[str, Any], path: Any
) -> RequestLine | None:
    """:func:`checked_line` of the fields of ``event``, its ``requestContext`` and
    ``requestContext.http``, each its ``.get`` default when absent; ``path``: the
    ``rawPath`` read."""
    return checked_line(
        http.get("method", ""),
        path,
        http.get("path", ""),
        context.get("requestId", ""),
        event.get("body"),
        event.get("isBase64Encoded", False),
        event.get("routeKey"),
        context.get("stage"),
        context.get("domainName"),
    )
