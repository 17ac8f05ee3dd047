"""Lambda@Edge views (``EdgeRequest``, ``EdgeResponse``) and what CloudFront accepts back:
their rendering into CloudFront's shape and every rule a result must follow (read-only and
disallowed headers, statuses, bodies, size limits, CR/LF)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App
from lambent.http import EdgeRequest, EdgeResponse, EdgeResultError
from lambent.testing import FakeContext, cloudfront_event
from lambent.testing.events.cloudfront import EdgeEventType


async def run(app: App, event: dict[str, Any]) -> Any:
    return await app.dispatch(event, FakeContext())


def test_a_request_renders_in_cloudfronts_shape() -> None:
    request = EdgeRequest(
        "POST",
        "/a",
        querystring="?x=1&x=2&y=",
        headers=[("X-Tag", "a"), ("x-tag", "b"), ("Cookie", "s=1; t=2"), ("cookie", "u=3")],
        client_ip="203.0.113.7",
        origin={"s3": {"domainName": "b.s3.amazonaws.com"}},
    )
    assert request.query.get_all("x") == ["1", "2"] and request.query["y"] == ""
    assert request.cookies == {"s": "1", "t": "2", "u": "3"}
    assert request.body == b"" and not request.body_truncated
    assert request.render("origin-request", None) == {
        "clientIp": "203.0.113.7",
        "method": "POST",
        "uri": "/a",
        "querystring": "x=1&x=2&y=",
        "headers": {
            "x-tag": [{"key": "X-Tag", "value": "a"}, {"key": "X-Tag", "value": "b"}],
            "cookie": [{"key": "Cookie", "value": "s=1; t=2"}, {"key": "Cookie", "value": "u=3"}],
        },
        "origin": {"s3": {"domainName": "b.s3.amazonaws.com"}},
    }
    assert repr(request) == "EdgeRequest(POST /a)"


def test_a_new_body_needs_include_body_on_the_trigger() -> None:
    request = EdgeRequest()
    request.body = "new"
    assert request.body == b"new"
    with pytest.raises(EdgeResultError, match="needs 'include body'"):
        request.render("origin-request", None)


def test_uri_query_and_headers_together_stay_within_20480_bytes() -> None:
    # each header counts its name, its value and 4 bytes (": " and CRLF)
    fits = EdgeRequest(uri="/" + "u" * 9, querystring="q" * 10, headers={"X": "v" * 20455})
    assert fits.render("viewer-request", None)["uri"] == "/" + "u" * 9
    over = EdgeRequest(uri="/" + "u" * 9, querystring="q" * 10, headers={"X": "v" * 20456})
    with pytest.raises(EdgeResultError, match="20481 bytes, over CloudFront's 20480"):
        over.render("viewer-request", None)


def test_a_generated_response_renders_with_its_reason_and_body_encoding() -> None:
    text = EdgeResponse(404, headers={"Content-Type": "text/plain"}, body="gone")
    assert text.render("origin-request", None, generated=True) == {
        "status": "404",
        "statusDescription": "Not Found",
        "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
        "body": "gone",
        "bodyEncoding": "text",
    }
    raw = EdgeResponse(200, "Fine", body=b"\x00\xff").render("viewer-request", None, generated=True)
    assert (raw["statusDescription"], raw["body"], raw["bodyEncoding"]) == (
        "Fine",
        "AP8=",
        "base64",
    )
    assert repr(EdgeResponse(204)) == "EdgeResponse(204)"
    assert "body" not in EdgeResponse(204).render("viewer-request", None, generated=True)


@pytest.mark.parametrize(
    ("event_type", "limit"), [("viewer-request", 40 * 1024), ("origin-request", 1024 * 1024)]
)
def test_a_generated_response_stays_within_the_stages_limit(event_type: str, limit: int) -> None:
    EdgeResponse(200, body="x" * limit).render(event_type, None, generated=True)
    with pytest.raises(EdgeResultError, match=f"{limit + 1} bytes, over the {limit}-byte limit"):
        EdgeResponse(200, body="x" * (limit + 1)).render(event_type, None, generated=True)


@pytest.mark.parametrize("status", [199, 600, "200"])
def test_a_status_outside_200_599_is_refused(status: Any) -> None:
    with pytest.raises(EdgeResultError, match="not an HTTP status of 200-599"):
        EdgeResponse(status).render("origin-request", None, generated=True)


TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1, max_size=8
)
VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)


@given(st.lists(st.tuples(TOKEN.map(lambda n: "x-t-" + n), VALUE), max_size=6))
def test_headers_keep_their_order_values_and_first_spelling(pairs: list[tuple[str, str]]) -> None:
    rendered = EdgeResponse(200, headers=pairs).render("origin-request", None, generated=True)
    expected: dict[str, list[dict[str, str]]] = {}
    first: dict[str, str] = {}
    for name, value in pairs:
        key = first.setdefault(name.lower(), name)
        expected.setdefault(name.lower(), []).append({"key": key, "value": value})
    assert rendered["headers"] == expected


# "x-t-": no header CloudFront refuses for its own reasons (x-cache, x-edge-...) starts so
@given(TOKEN.map(lambda n: "x-t-" + n), VALUE, st.sampled_from(["\r", "\n", "\r\n"]), st.booleans())
def test_cr_or_lf_anywhere_in_a_header_is_refused(
    name: str, value: str, bad: str, in_name: bool
) -> None:
    header = (name + bad, value) if in_name else (name, value + bad + "x")
    with pytest.raises(EdgeResultError, match="contains CR or LF"):
        EdgeRequest(headers=[header]).render("viewer-request", None)
    with pytest.raises(EdgeResultError, match="contains CR or LF"):
        EdgeResponse(headers=[header]).render("origin-request", None, generated=True)


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
async def test_rejects_what_cloudfront_rejects(
    event_type: EdgeEventType, change: Any, message: str
) -> None:
    app = App()

    @app.edge(event_type)
    def handler(request: EdgeRequest, response: EdgeResponse) -> Any:
        return change(request, response)

    with pytest.raises(
        EdgeResultError, match=message.replace("not a request", "must return the response")
    ):
        await run(app, cloudfront_event(event_type, headers={"Via": "1.1 cf"}))


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


@pytest.mark.parametrize("headers", [{"x-next": "a\r\nset-cookie: stolen=1"}, {"x-bad\nname": "v"}])
def test_cr_or_lf_in_a_header_is_never_sent(headers: dict[str, str]) -> None:
    app = App()

    @app.edge("viewer-request")
    def answer(request: EdgeRequest) -> EdgeResponse:
        return EdgeResponse(200, headers=headers)

    with pytest.raises(EdgeResultError, match="contains CR or LF"):
        app.handler(cloudfront_event("viewer-request"), FakeContext())
