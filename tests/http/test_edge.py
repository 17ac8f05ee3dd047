"""Lambda@Edge views, rendering and CloudFront's rules."""

from __future__ import annotations

from typing import Any

import pytest

from lambent import App, ConfigurationError
from lambent.http import EdgeRequest, EdgeResponse, EdgeResultError, Response
from lambent.testing import FakeContext, cloudfront_event
from tests.http._shapes import assert_cf_headers


async def run(app: App, event: dict[str, Any]) -> Any:
    return await app.dispatch(event, FakeContext())


async def test_request_continues_with_changes() -> None:
    app = App()

    @app.edge("viewer-request", path="/images/*")
    def images(request: EdgeRequest) -> EdgeRequest:
        request.uri = "/img" + request.uri.removeprefix("/images")
        request.headers["X-Device"] = "mobile"
        request.headers.add("X-Device", "touch")
        return request

    @app.edge("viewer-request")
    def other(request: EdgeRequest) -> None:
        request.querystring = "a=1"

    out = await run(
        app, cloudfront_event("viewer-request", uri="/images/cat.jpg", headers={"Cookie": "a=b"})
    )
    assert out["uri"] == "/img/cat.jpg"
    assert_cf_headers(out["headers"])
    assert out["headers"]["x-device"] == [
        {"key": "X-Device", "value": "mobile"},
        {"key": "X-Device", "value": "touch"},
    ]
    assert out["headers"]["cookie"] == [{"key": "Cookie", "value": "a=b"}]
    plain = await run(app, cloudfront_event("viewer-request", uri="/index.html"))
    assert plain["querystring"] == "a=1" and plain["uri"] == "/index.html"


async def test_generated_responses() -> None:
    app = App()

    @app.edge("viewer-request", path="/old/*")
    def redirect(request: EdgeRequest) -> EdgeResponse:
        return EdgeResponse(301, headers={"Location": "https://example.com/new"})

    @app.edge("origin-request")
    def answer(request: EdgeRequest) -> Response:
        return Response({"ok": True}, status=200)

    out = await run(app, cloudfront_event("viewer-request", uri="/old/x"))
    assert out == {"status": "301", "statusDescription": "Moved Permanently",
                   "headers": {"location": [{"key": "Location", "value": "https://example.com/new"}]}}  # fmt: skip
    generated = await run(app, cloudfront_event("origin-request", uri="/api"))
    assert generated["status"] == "200" and generated["body"] == '{"ok":true}'
    assert generated["bodyEncoding"] == "text"
    assert generated["headers"]["content-type"] == [
        {"key": "Content-Type", "value": "application/json"}
    ]


async def test_response_triggers() -> None:
    app = App()

    @app.edge("origin-response")
    def cache(response: EdgeResponse) -> None:
        response.headers["Cache-Control"] = "max-age=60"
        response.status = 404

    @app.edge("viewer-response")
    def secure(response: EdgeResponse, request: EdgeRequest) -> EdgeResponse:
        response.headers["Strict-Transport-Security"] = "max-age=63072000"
        return response

    out = await run(app, cloudfront_event("origin-response", status=200))
    assert out["status"] == "404" and out["headers"]["cache-control"][0]["value"] == "max-age=60"
    viewer = await run(app, cloudfront_event("viewer-response", status=200))
    assert viewer["status"] == "200" and "strict-transport-security" in viewer["headers"]


@pytest.mark.parametrize(
    ("event_type", "change", "message"),
    [
        (
            "viewer-request",
            lambda req, res: req.headers.__setitem__("Host", "evil.com"),
            "read-only",
        ),
        ("origin-request", lambda req, res: req.headers.__setitem__("Via", "x"), "read-only"),
        (
            "viewer-request",
            lambda req, res: req.headers.__setitem__("Connection", "close"),
            "does not allow",
        ),
        (
            "viewer-request",
            lambda req, res: req.headers.__setitem__("X-Amz-Cf-Id", "x"),
            "does not allow",
        ),
        ("viewer-request", lambda req, res: EdgeResponse(700), "200-599"),
        ("viewer-request", lambda req, res: EdgeResponse(204, body="x"), "204"),
        ("viewer-request", lambda req, res: EdgeResponse(200, body="x" * 41_000), "limit"),
        (
            "viewer-request",
            lambda req, res: req.headers.__setitem__("X-Big", "x" * 21_000),
            "20480",
        ),
        ("viewer-response", lambda req, res: setattr(res, "status", 500), "cannot change"),
        (
            "viewer-response",
            lambda req, res: res.headers.__setitem__("Content-Length", "1"),
            "read-only",
        ),
        ("origin-response", lambda req, res: req, "not a request"),
    ],
)
async def test_rejects_what_cloudfront_rejects(event_type: str, change: Any, message: str) -> None:
    app = App()

    @app.edge(event_type)
    def handler(request: EdgeRequest, response: EdgeResponse) -> Any:
        return change(request, response)

    with pytest.raises(
        EdgeResultError, match=message.replace("not a request", "must return the response")
    ):
        await run(app, cloudfront_event(event_type, headers={"Via": "1.1 cf"}))  # type: ignore[arg-type]


async def test_origin_response_allows_a_big_body_and_body_replacement() -> None:
    app = App()

    @app.edge("origin-response")
    def big(response: EdgeResponse) -> None:
        response.body = "x" * 100_000

    @app.edge("origin-request")
    def replace(request: EdgeRequest) -> EdgeRequest:
        assert request.body == b"hello"
        request.body = b"\x00bye"
        return request

    out = await run(app, cloudfront_event("origin-response"))
    assert len(out["body"]) == 100_000
    replaced = await run(app, cloudfront_event("origin-request", body="hello"))
    assert replaced["body"] == {
        "action": "replace",
        "encoding": "base64",
        "data": "AGJ5ZQ==",
        "inputTruncated": False,
    }


async def test_registration_errors() -> None:
    app = App()
    with pytest.raises(ConfigurationError):
        app.edge("edge-request")(lambda: None)
    app.edge("viewer-request", path="/a/*")(lambda request: None)
    with pytest.raises(ConfigurationError):
        app.edge("viewer-request", path="/a/*")(lambda request: None)
    with pytest.raises(ConfigurationError, match="cannot inject"):
        app.edge("origin-request")(lambda whatever: None)


@pytest.mark.parametrize("headers", [{"x-next": "a\r\nset-cookie: stolen=1"}, {"x-bad\nname": "v"}])
def test_cr_or_lf_in_a_header_is_never_sent(headers: dict[str, str]) -> None:
    app = App()

    @app.edge("viewer-request")
    def answer(request: EdgeRequest) -> EdgeResponse:
        return EdgeResponse(200, headers=headers)

    with pytest.raises(EdgeResultError, match="contains CR or LF"):
        app.handler(cloudfront_event("viewer-request"), FakeContext())
