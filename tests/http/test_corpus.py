"""Every HTTP, WebSocket, authorizer and CloudFront event of the corpus routes to the right
handler, and the result has exactly the shape its source documents."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent import App, detect
from lambent.http import EdgeRequest, EdgeResponse, Request
from lambent.sources.apigw_websocket import WebSocketRequest
from lambent.testing import FakeContext
from tests import corpus
from tests.http._shapes import assert_cf_headers, assert_http, assert_iam_policy

HTTP_KINDS = ("apigw-rest", "apigw-http", "function-url", "alb")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")


def _method_path(raw: dict[str, Any]) -> tuple[str, str]:
    if "rawPath" in raw:
        return raw["requestContext"]["http"]["method"], raw["rawPath"]
    return raw["httpMethod"], raw["path"]


@pytest.mark.parametrize("row", corpus.params(*HTTP_KINDS))
async def test_http_event_routes_and_renders(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    kind = detect(raw)
    assert row is not None and kind == row.kind
    method, path = _method_path(raw)
    app = App()
    seen: list[Request] = []

    @app.route(path, methods=[method])
    def exact(request: Request) -> dict[str, Any]:
        seen.append(request)
        return {
            "method": request.method,
            "query": {k: request.query.get_all(k) for k in request.query},
        }

    @app.route("/{rest+}", methods=[m for m in METHODS if m != "HEAD"])
    def decoy(rest: str) -> None:
        raise AssertionError(f"the catch-all took {rest!r}")

    out = await app.dispatch(raw, FakeContext())
    multi = "multiValueHeaders" in raw and kind == "alb"
    assert_http(kind, out, multi_value=multi)
    assert len(seen) == 1, out
    request = seen[0]
    assert request.source == kind and request.route == (path.rstrip("/") or "/")
    if method == "HEAD":
        assert out["body"] == ""
    else:
        assert out["statusCode"] == 200
        assert msgspec.json.decode(out["body"])["method"] == method


@pytest.mark.parametrize("row", corpus.params("apigw-websocket"))
async def test_websocket_event_routes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    app = App()
    seen: list[str] = []

    def make(key: str) -> Any:
        def handler(event: WebSocketRequest, connection_id: str) -> None:
            assert connection_id == event.connection_id
            seen.append(key)

        return handler

    for key in ("$connect", "$disconnect", "$default", "sendmessage"):
        app.websocket(key)(make(key))

    out = await app.dispatch(raw, FakeContext())
    route_key = raw["requestContext"]["routeKey"]
    assert seen == [
        route_key if route_key in ("$connect", "$disconnect", "sendmessage") else "$default"
    ]
    assert out == {"statusCode": 200}


@pytest.mark.parametrize("row", corpus.params("apigw-authorizer"))
async def test_authorizer_event_routes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    app = App()
    seen: list[str] = []

    @app.authorizer("TOKEN")
    def token(token: str) -> bool:
        seen.append("TOKEN")
        return True

    @app.authorizer("REQUEST")
    def request(event: Any) -> bool:
        seen.append("REQUEST")
        return True

    @app.authorizer("HTTP")
    def http(token: str) -> bool:
        seen.append("HTTP")
        return True

    out = await app.dispatch(raw, FakeContext())
    expected = "HTTP" if "routeArn" in raw else raw["type"]
    assert seen == [expected]
    if expected == "HTTP":
        assert out == {"isAuthorized": True}
    else:
        assert_iam_policy(out)
        assert out["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def _same_headers(rendered: dict[str, Any], original: dict[str, Any]) -> None:
    assert_cf_headers(rendered)
    assert {k: [h["value"] for h in v] for k, v in rendered.items()} == {
        k.lower(): [h["value"] for h in v] for k, v in original.items()
    }


@pytest.mark.parametrize("row", corpus.params("cloudfront"))
async def test_cloudfront_event_routes_and_round_trips(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    app = App()
    seen: list[str] = []

    def make(event_type: str) -> Any:
        def handler(request: EdgeRequest, response: EdgeResponse) -> None:
            seen.append(event_type)

        return handler

    for event_type in ("viewer-request", "origin-request", "origin-response", "viewer-response"):
        app.edge(event_type)(make(event_type))

    out = await app.dispatch(raw, FakeContext())
    cf = raw["Records"][0]["cf"]
    declared = cf.get("config", {}).get("eventType")
    assert len(seen) == 1 and (declared is None or seen == [declared])
    if "response" in cf:
        assert out["status"] == cf["response"]["status"]
        _same_headers(out["headers"], cf["response"].get("headers", {}))
    else:
        request = cf["request"]
        for key in ("clientIp", "method", "uri", "querystring"):
            assert out[key] == request.get(key, "")
        _same_headers(out["headers"], request.get("headers", {}))
