"""What each HTTP front end does around a Lambda function, for ``lambent dev``.

A request (method, raw path and query, headers, body) becomes the event of the chosen
source, built by :class:`lambent.testing.TestClient` so it has the shape each service
really sends (REST ``resource`` and HTTP API ``routeKey`` name the matched route); the
function's result becomes the answer the service gives: status, headers (multi-value
ones too), ``Set-Cookie`` per cookie, and the body base64-decoded when flagged.

When the function itself fails (raises, times out, returns no HTTP result), each
service answers its own way (:data:`FAILURES`); API Gateway gives up after 29 seconds.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lambent import sources
from lambent._local.model import RESPONSE_LIMIT, SYNC_REQUEST_LIMIT
from lambent.sources._base import Front
from lambent.sources._http import fronts
from lambent.testing import TestClient

#: the fronts ``lambent dev --source`` can act as, as the HTTP request sources declare
#: them (``alb-multi``: an ALB target group with multi-value headers turned on)
FRONTS: dict[str, tuple[str, Front]] = fronts()
SOURCES: tuple[str, ...] = tuple(FRONTS)
#: the sources whose front end streams a streamed response (a Function URL with
#: ``InvokeMode: RESPONSE_STREAM``, LAMBDA.md §5.8); the others answer whole
STREAMS: frozenset[str] = frozenset(name for name, (_, f) in FRONTS.items() if f.streams)
#: API Gateway's integration timeout (REST and HTTP APIs)
APIGW_TIMEOUT = 29.0
#: media types the services pass as text; any other body is base64-encoded
_TEXT = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml", "x-www-form-urlencoded")
#: headers the HTTP server sets itself
_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


@dataclass
class Answer:
    """What the front end sends back to the HTTP client."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


#: (status, content type, body) each service answers when the function fails or times out
FAILURES: dict[str, dict[str, tuple[int, str, bytes]]] = {
    name: {"error": f.error, "timeout": f.timeout} for name, (_, f) in FRONTS.items()
}


def result_limit(source: str) -> int:
    """The largest result (bytes of JSON) the function may give: Lambda's 6 MB, or the
    service's own limit when smaller."""
    return FRONTS[source][1].payload_limit or RESPONSE_LIMIT


def too_large(source: str, body: int, event: int) -> str | None:
    """Why a request with a ``body`` of that size, whose event is ``event`` bytes of
    JSON, never reaches the function (``None``: it does)."""
    own = FRONTS[source][1].payload_limit
    if own is not None and body > own:
        return f"the request's body is {body} bytes, over the {own} {source} takes"
    if event > SYNC_REQUEST_LIMIT:
        return (
            f"the request's event is {event} bytes of JSON, over the {SYNC_REQUEST_LIMIT} "
            "Lambda takes (a binary body grows by a third in base64)"
        )
    return None


def refused(reason: str) -> Answer:
    """The answer to a request that cannot be sent to the function."""
    return Answer(
        413, [("Content-Type", "text/plain")], f"Request Entity Too Large: {reason}".encode()
    )


def failure(source: str, kind: str) -> Answer:
    status, content_type, body = FAILURES[source][kind]
    return Answer(status, [("Content-Type", content_type)], body)


def time_limited(source: str) -> bool:
    """Whether the service gives up on its own after :data:`APIGW_TIMEOUT` (API Gateway)."""
    spec = sources.load(FRONTS[source][0])[0]
    return spec.web is not None and spec.web.service_timeout


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_TEXT) or media.endswith(_TEXT_SUFFIXES)


def build_event(
    client: TestClient,
    *,
    method: str,
    raw_path: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    peer: str,
    port: int,
) -> dict[str, Any]:
    """The event the client's source sends for this request."""
    given: dict[str, list[str]] = {}
    for name, value in headers:  # a Cookie header: the event's cookies (http_request)
        if name.lower() not in _HOP:
            given.setdefault(name, []).append(value)
    given.setdefault("X-Forwarded-Proto", ["http"])
    given.setdefault("X-Forwarded-Port", [str(port)])
    given.setdefault("X-Forwarded-For", [peer])
    content_type = next((v[-1] for k, v in given.items() if k.lower() == "content-type"), None)
    payload: str | bytes | None = None
    if body:
        try:
            payload = body.decode() if is_text(content_type) else body
        except UnicodeDecodeError:
            payload = body
    _, event = client.build_event(
        method,
        raw_path,
        headers=given,
        body=payload,
        source_ip=peer,
        seed=secrets.randbits(63),
        at=time.time(),
    )
    return event


def answer(source: str, result: Any) -> Answer:
    """The HTTP answer the source's front end gives for the function's ``result``."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        if FRONTS[source][1].infers_json:  # payload 2.0 infers a 200 JSON answer
            data = result if isinstance(result, str) else json.dumps(result)
            return Answer(200, [("Content-Type", "application/json")], data.encode())
        return failure(source, "error")
    pairs: list[tuple[str, str]] = []
    multi: Mapping[str, Sequence[Any]] = result.get("multiValueHeaders") or {}
    lowered = {k.lower() for k in multi}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in lowered:
            pairs.append((name, str(value)))
    for name, values in multi.items():
        pairs.extend((name, str(v)) for v in values)
    pairs.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or ())
    raw_body = result.get("body") or ""
    body = base64.b64decode(raw_body) if result.get("isBase64Encoded") else str(raw_body).encode()
    kept = [(k, v) for k, v in pairs if k.lower() not in _HOP]
    return Answer(int(result["statusCode"]), kept, body)
