"""Lambda@Edge (CloudFront) events for each of the four triggers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from lambent.testing.events._common import Ids, When, b64, one_of

EdgeEventType = Literal["viewer-request", "origin-request", "origin-response", "viewer-response"]

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found"}
_REASONS |= {304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
_REASONS |= {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def edge_headers(headers: Mapping[str, str]) -> dict[str, list[dict[str, str]]]:
    """Headers the CloudFront way: lowercase name → ``[{"key": <name>, "value": …}]``."""
    out: dict[str, list[dict[str, str]]] = {}
    for name, value in headers.items():
        out.setdefault(name.lower(), []).append({"key": name, "value": value})
    return out


def cloudfront_event(
    event_type: EdgeEventType = "viewer-request",
    *,
    uri: str = "/",
    method: str = "GET",
    querystring: str = "",
    headers: Mapping[str, str] | None = None,
    body: str | bytes | None = None,
    status: int = 200,
    response_headers: Mapping[str, str] | None = None,
    origin: Literal["s3", "custom"] = "custom",
    client_ip: str = "203.0.113.178",
    distribution_id: str = "EDFDVBD6EXAMPLE",
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Lambda@Edge event. Request events may carry ``body`` (as with "include body");
    origin events name the ``origin``; response events add ``status`` and
    ``response_headers``. ``querystring`` has no leading ``?``.
    """
    del at  # Lambda@Edge events carry no timestamp
    one_of("a Lambda@Edge event type", event_type, EdgeEventType)
    one_of("an origin", origin, ("s3", "custom"))
    ids = Ids(seed)
    domain = f"d{ids.lower(13)}.cloudfront.net"
    request: dict[str, Any] = {
        "clientIp": client_ip,
        "headers": edge_headers(
            {"Host": domain, "User-Agent": "curl/8.4.0", "Accept": "*/*", **(headers or {})}
        ),
        "method": method,
        "querystring": querystring.removeprefix("?"),
        "uri": uri,
    }
    if body is not None and event_type.endswith("request"):
        request["body"] = {
            "inputTruncated": False,
            "action": "read-only",
            "encoding": "base64",
            "data": b64(body),
        }
    if event_type.startswith("origin"):
        request["origin"] = _origin(origin, ids)
    cf: dict[str, Any] = {
        "config": {
            "distributionDomainName": domain,
            "distributionId": distribution_id,
            "eventType": event_type,
            "requestId": ids.token(42).replace("+", "-").replace("/", "_"),
        },
        "request": request,
    }
    if event_type.endswith("response"):
        cf["response"] = {
            "headers": edge_headers(
                {"Content-Type": "text/html", "Server": "AmazonS3", **(response_headers or {})}
            ),
            "status": str(status),
            "statusDescription": _REASONS.get(status, "Unknown"),
        }
    return {"Records": [{"cf": cf}]}


def _origin(kind: Literal["s3", "custom"], ids: Ids) -> dict[str, Any]:
    if kind == "s3":
        return {
            "s3": {
                "authMethod": "origin-access-identity",
                "customHeaders": {},
                "domainName": f"bucket-{ids.lower(8)}.s3.amazonaws.com",
                "path": "",
                "region": "us-east-1",
            }
        }
    return {
        "custom": {
            "customHeaders": {},
            "domainName": "origin.example.com",
            "keepaliveTimeout": 5,
            "path": "",
            "port": 443,
            "protocol": "https",
            "readTimeout": 30,
            "sslProtocols": ["TLSv1.2"],
        }
    }
