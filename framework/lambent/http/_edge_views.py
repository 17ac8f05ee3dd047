"""Lambda@Edge request and response views, and what CloudFront accepts back.

Limits and rules (CloudFront developer guide: Lambda@Edge restrictions and quotas):

* read-only headers may not be added, removed or changed, per event type
  (:data:`READ_ONLY`); disallowed headers (:data:`DISALLOWED`, plus ``X-Amz-Cf-*``,
  ``X-Edge-*``, ``X-Amzn-*``) may not be added;
* a generated response's status is ``200``-``599``; a viewer-request 204 has no body;
  viewer-response triggers cannot change the status;
* a generated (or replaced) response, headers and body together, is at most 40 KB for
  viewer events and 1 MB for origin events; a replaced request body at most 40 KB / 1 MB
  as text and 53.2 KB / 1.33 MB as base64, and only with "include body" on;
* a request's URI, query string and headers together are at most 20,480 bytes.
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from lambent._errors import LambentError
from lambent.http._headers import HeaderInput, MutableHeaders
from lambent.http._response import reason
from lambent.http._views import QueryStringViews, decode_body

__all__ = ["DISALLOWED", "READ_ONLY", "EdgeRequest", "EdgeResponse", "EdgeResultError"]

READ_ONLY: dict[str, frozenset[str]] = {
    "viewer-request": frozenset({"content-length", "host", "transfer-encoding", "via"}),
    "origin-request": frozenset({
        "accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range",
        "if-unmodified-since", "range", "transfer-encoding", "via",
    }),
    "origin-response": frozenset({"transfer-encoding", "via"}),
    "viewer-response": frozenset({"content-encoding", "content-length", "transfer-encoding", "warning", "via"}),
}  # fmt: skip
DISALLOWED = frozenset({
    "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "trailer", "upgrade", "x-accel-buffering", "x-accel-charset",
    "x-accel-limit-rate", "x-accel-redirect", "x-cache", "x-forwarded-proto", "x-real-ip",
})  # fmt: skip
_DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-", "x-amzn-")
KB = 1024
#: generated response (headers + body) by trigger stage
RESPONSE_LIMIT = {"viewer": 40 * KB, "origin": 1024 * KB}
#: replaced request body: (as text, as base64)
BODY_LIMIT = {"viewer": (40 * KB, int(53.2 * KB)), "origin": (1024 * KB, int(1.33 * 1024 * KB))}
REQUEST_HEADER_LIMIT = 20_480

CfHeaders = dict[str, list[dict[str, str]]]


class EdgeResultError(LambentError, ValueError):
    """A Lambda@Edge result CloudFront would reject (it would answer 502)."""


def _from_cf(raw: Any) -> MutableHeaders:
    headers = MutableHeaders()
    for name, values in raw.items():
        for h in values:
            headers.add(h.key or name, h.value)
    return headers


def _to_cf(headers: MutableHeaders) -> CfHeaders:
    return {
        lower: [{"key": key, "value": v} for v in values]
        for lower, (key, values) in headers.grouped().items()
    }


def _check_headers(event_type: str, new: MutableHeaders, old: MutableHeaders | None) -> None:
    before = {} if old is None else {k: v for k, (_, v) in old.grouped().items()}
    after = {k: v for k, (_, v) in new.grouped().items()}
    if old is not None:
        changed = sorted(n for n in READ_ONLY[event_type] if before.get(n) != after.get(n))
        if changed:
            raise EdgeResultError(f"{event_type}: read-only headers changed: {', '.join(changed)}")
    added = sorted(
        n for n, values in after.items()
        if (n in DISALLOWED or n.startswith(_DISALLOWED_PREFIXES)) and before.get(n) != values
    )  # fmt: skip
    if added:
        raise EdgeResultError(
            f"{event_type}: CloudFront does not allow setting headers: {', '.join(added)}"
        )
    for name, value in new.multi_items():
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
            raise EdgeResultError(f"{event_type}: the header {name!r} contains CR or LF")


def _body(value: str | bytes) -> tuple[str, str]:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii"), "base64"
    return value, "text"


class EdgeRequest(QueryStringViews):
    """A CloudFront request. Change it and return it to continue to the origin.

    Setting :attr:`body` replaces the body (needs "include body" on the trigger).
    ``origin`` is the origin as plain data (origin-request events; change it to pick
    another origin).
    """

    def __init__(
        self,
        method: str = "GET",
        uri: str = "/",
        *,
        querystring: str = "",
        headers: HeaderInput = None,
        client_ip: str = "",
        origin: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.uri = uri
        self.querystring = querystring
        self.headers = headers if isinstance(headers, MutableHeaders) else MutableHeaders(headers)
        self.client_ip = client_ip
        self.origin = origin
        self._original_body: Any = None
        self._new_body: str | bytes | None = None

    @classmethod
    def from_struct(cls, request: Any) -> EdgeRequest:
        origin = None
        if request.origin is not None:
            origin = _drop_none(msgspec.to_builtins(request.origin))
        view = cls(
            request.method, request.uri, querystring=request.querystring,
            headers=_from_cf(request.raw_headers), client_ip=request.client_ip, origin=origin,
        )  # fmt: skip
        view._original_body = request.body
        return view

    @property
    def body(self) -> bytes:
        """The body (the replacement once set; ``b""`` without "include body")."""
        if self._new_body is not None:
            return self._new_body if isinstance(self._new_body, bytes) else self._new_body.encode()
        body = self._original_body
        return b"" if body is None else decode_body(body.data, body.encoding == "base64")

    @body.setter
    def body(self, value: str | bytes) -> None:
        self._new_body = value

    @property
    def body_truncated(self) -> bool:
        return self._original_body is not None and self._original_body.input_truncated

    def render(self, event_type: str, original: Any) -> dict[str, Any]:
        old = None if original is None else _from_cf(original.raw_headers)
        _check_headers(event_type, self.headers, old)
        out: dict[str, Any] = {
            "clientIp": self.client_ip,
            "method": self.method,
            "uri": self.uri,
            "querystring": self.querystring.removeprefix("?"),
            "headers": _to_cf(self.headers),
        }
        size = (
            len(self.uri)
            + len(self.querystring)
            + sum(len(k) + len(v) + 4 for k, v in self.headers.multi_items())
        )
        if size > REQUEST_HEADER_LIMIT:
            raise EdgeResultError(
                f"{event_type}: URI, query string and headers are {size} bytes, over CloudFront's {REQUEST_HEADER_LIMIT}"
            )
        if self.origin is not None:
            out["origin"] = self.origin
        if self._new_body is not None:
            if self._original_body is None:
                raise EdgeResultError(
                    f"{event_type}: replacing the body needs 'include body' on the trigger"
                )
            data, encoding = _body(self._new_body)
            text_limit, b64_limit = BODY_LIMIT[event_type.split("-")[0]]
            limit = b64_limit if encoding == "base64" else text_limit
            if len(data) > limit:
                raise EdgeResultError(
                    f"{event_type}: the new body is {len(data)} bytes, over the {limit}-byte limit"
                )
            out["body"] = {
                "action": "replace",
                "encoding": encoding,
                "data": data,
                "inputTruncated": False,
            }
        elif self._original_body is not None:
            out["body"] = _drop_none(msgspec.to_builtins(self._original_body))
        return out

    def __repr__(self) -> str:
        return f"EdgeRequest({self.method} {self.uri})"


class EdgeResponse:
    """A CloudFront response: returned from a request trigger it answers the viewer
    directly; in a response trigger it is the (changed) origin response."""

    def __init__(
        self,
        status: int = 200,
        status_description: str | None = None,
        *,
        headers: HeaderInput = None,
        body: str | bytes | None = None,
    ) -> None:
        self.status = status
        self.status_description = status_description
        self.headers = headers if isinstance(headers, MutableHeaders) else MutableHeaders(headers)
        self.body = body

    @classmethod
    def from_struct(cls, response: Any) -> EdgeResponse:
        return cls(
            response.status_code, response.status_description or None,
            headers=_from_cf(response.raw_headers),
        )  # fmt: skip

    def render(self, event_type: str, original: Any, *, generated: bool) -> dict[str, Any]:
        status = self.status
        if not isinstance(status, int) or not 200 <= status <= 599:
            raise EdgeResultError(
                f"{event_type}: status {status!r} is not an HTTP status of 200-599"
            )
        if (
            event_type == "viewer-response"
            and original is not None
            and status != original.status_code
        ):
            raise EdgeResultError(
                f"viewer-response: the status cannot change ({original.status} -> {status})"
            )
        if event_type == "viewer-request" and status == 204 and self.body:
            raise EdgeResultError("viewer-request: a 204 response cannot have a body")
        old = None if generated or original is None else _from_cf(original.raw_headers)
        _check_headers(event_type, self.headers, old)
        out: dict[str, Any] = {
            "status": str(status),
            "statusDescription": self.status_description or reason(status),
            "headers": _to_cf(self.headers),
        }
        size = sum(len(k) + len(v) + 4 for k, v in self.headers.multi_items())
        if self.body is not None:
            data, encoding = _body(self.body)
            out["body"] = data
            out["bodyEncoding"] = encoding
            size += len(data) if data.isascii() else len(data.encode())
        limit = RESPONSE_LIMIT[event_type.split("-")[0]]
        if size > limit:
            raise EdgeResultError(
                f"{event_type}: the response is {size} bytes, over the {limit}-byte limit"
            )
        return out

    def __repr__(self) -> str:
        return f"EdgeResponse({self.status})"


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value
