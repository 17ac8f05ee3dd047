"""Lambda@Edge routes: triggers, path filters, what each trigger's handler may take and
return (the views and CloudFront's rules for them: tests/http/test_edge_views.py), and
the matcher of edge routes (patterns in order, then the catch-all)."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App, ConfigurationError
from lambent.http import EdgeRequest, EdgeResponse, Response
from lambent.http._edge import EdgeRoutes
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


async def test_registration_errors() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="unknown Lambda@Edge event type 'edge-request'"):
        app.edge("edge-request")(lambda: None)
    app.edge("viewer-request", path="/a/*")(lambda request: None)
    with pytest.raises(ConfigurationError, match=r"viewer-request /a/\* is registered twice"):
        app.edge("viewer-request", path="/a/*")(lambda request: None)
    with pytest.raises(ConfigurationError, match="cannot inject"):
        app.edge("origin-request")(lambda whatever: None)


def _on_request(request: EdgeRequest) -> None: ...


@given(st.lists(st.sampled_from(["/a/*", "/a/b*", "/*.jpg", None]), unique=True, max_size=4))
def test_the_edge_matcher_tries_path_patterns_in_order_then_the_catch_all(
    paths: list[str | None],
) -> None:
    routes = EdgeRoutes()
    for path in paths:
        route = EdgeRoutes.resolve("viewer-request", path, _on_request)
        routes.check(route)
        routes.insert(route)
    for path in paths:
        with pytest.raises(ConfigurationError, match="registered twice"):
            routes.check(EdgeRoutes.resolve("viewer-request", path, _on_request))
    patterns = [p for p in paths if p is not None]
    assert [r.path for r in routes] == [*patterns, *([None] if None in paths else [])]
    for uri in ("/a/b.jpg", "/a/x", "/c.jpg", "/d"):
        expected = next((p for p in patterns if fnmatch.fnmatchcase(uri, p)), None)
        found = routes.lookup(("viewer-request", uri))
        if expected is None and None not in paths:
            assert found is None
        else:
            assert found is not None and found.path == expected
        assert routes.lookup(("origin-request", uri)) is None
