"""API Gateway HTTP API payload 2.0 requests."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent.sources._base import epoch_ms
from lambent.sources._http import HttpRequest
from lambent.sources.apigw_http import (
    SPECS,
    HttpApiRequest,
    LeanHttpApiRequest,
    detect,
    request_line,
)
from tests import corpus
from tests.sources._support import REMOVE, line_agrees, mutated

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("apigw-http"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    request = msgspec.convert(raw, HttpApiRequest)
    context = raw["requestContext"]
    assert SPEC.items(request) == (request,)
    assert request.method == context["http"]["method"]
    assert request.path == request.raw_path == raw["rawPath"]
    assert request.route_key == raw["routeKey"]
    assert request.request_id == context["requestId"] == SPEC.item_id(request)
    assert SPEC.route_key(request, request) == (context["http"]["method"], raw["rawPath"])
    for name, value in (raw.get("headers") or {}).items():
        assert request.headers[name] == request.headers[name.lower()] == value
    assert request.query.multi_items() == parse_qsl(raw["rawQueryString"], keep_blank_values=True)
    for name, value in (raw.get("queryStringParameters") or {}).items():
        assert ",".join(request.query.get_all(name)) == value
    assert request.raw_cookies == raw.get("cookies")
    assert request.body_bytes == (raw.get("body") or "").encode()
    assert request.timestamp == epoch_ms(context["timeEpoch"])
    assert request.source_ip == context["http"]["sourceIp"]
    assert request.path_params == (raw.get("pathParameters") or {})
    authorizer = context.get("authorizer") or {}
    if "jwt" in authorizer:
        assert request.request_context.authorizer is not None
        jwt = request.request_context.authorizer.jwt
        assert jwt is not None
        assert jwt.claims == authorizer["jwt"]["claims"]
    if "lambda" in authorizer:
        assert request.request_context.authorizer is not None
        assert request.request_context.authorizer.lambda_ == authorizer["lambda"]
    if "iam" in authorizer:
        assert request.request_context.authorizer is not None
        iam = request.request_context.authorizer.iam
        assert iam is not None
        assert iam.user_arn == authorizer["iam"]["userArn"]


def _event(**extra: Any) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /items",
        "rawPath": "/items",
        "rawQueryString": "",
        "requestContext": {
            "requestId": "req-1",
            "http": {"method": "POST", "path": "/items", "sourceIp": "1.2.3.4"},
            "timeEpoch": 1583348638390,
        },
        **extra,
    }


def test_cookies_headers_and_query() -> None:
    raw = _event(
        cookies=["session=abc", "theme=dark; lang=en"],
        headers={"content-type": "application/json", "x-multi": "a,b"},
        rawQueryString="tag=x&tag=y%2Cz&empty=",
        queryStringParameters={"tag": "x,y,z", "empty": ""},
    )
    request = msgspec.convert(raw, HttpApiRequest)
    assert request.cookies == {"session": "abc", "theme": "dark", "lang": "en"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers.get_all("X-Multi") == ["a,b"]  # comma-joined by API Gateway
    assert request.query.get_all("tag") == ["x", "y,z"]  # raw query keeps the real split
    assert request.query["empty"] == ""


def test_cookies_fall_back_to_a_cookie_header_without_the_list() -> None:
    hand_written = _event(headers={"cookie": "session=abc; theme=dark"})
    assert msgspec.convert(hand_written, HttpApiRequest).cookies == {
        "session": "abc",
        "theme": "dark",
    }
    both = _event(cookies=["session=list"], headers={"cookie": "session=header"})
    assert msgspec.convert(both, HttpApiRequest).cookies == {"session": "list"}


def test_query_falls_back_to_the_parameter_map() -> None:
    raw = _event(queryStringParameters={"a": "1"})
    assert msgspec.convert(raw, HttpApiRequest).query == {"a": "1"}


def test_base64_body() -> None:
    payload = b'{"name": "\xc3\xa9"}'
    raw = _event(body=base64.b64encode(payload).decode(), isBase64Encoded=True)
    request = msgspec.convert(raw, HttpApiRequest)
    assert request.body_bytes == payload
    assert SPEC.payload is not None
    assert SPEC.payload(request) == payload


def test_path_falls_back_to_http_path() -> None:
    raw = _event()
    del raw["rawPath"]
    raw["requestContext"]["http"] = {"method": "get", "path": "/items"}
    request = msgspec.convert(raw, HttpApiRequest)
    assert (request.method, request.path) == ("GET", "/items")


@pytest.mark.parametrize(
    ("stage", "raw_path", "path"),
    [
        ("dev", "/dev/items", "/items"),  # a named stage is served under its name
        ("dev", "/dev", "/"),
        ("dev", "/dev/", "/"),
        ("dev", "/devices/1", "/devices/1"),  # a longer segment is no stage's
        ("dev", "/items/dev", "/items/dev"),
        ("items", "/items/items", "/items"),  # once only
        ("$default", "/$default/items", "/$default/items"),  # $default is the root
        (None, "/items", "/items"),
    ],
)
@pytest.mark.parametrize(
    "domain", ["abc123.execute-api.eu-west-1.amazonaws.com", "api.example.com"]
)
def test_a_named_stage_is_no_part_of_the_path(
    stage: str | None, raw_path: str, path: str, domain: str
) -> None:
    """On the API's own domain a named stage is served under its name; on a custom
    domain the API mapping chooses the stage and the path is the route's as it is."""
    if "execute-api" not in domain:
        path = raw_path
    raw = _event(rawPath=raw_path)
    raw["requestContext"]["http"]["path"] = raw_path
    raw["requestContext"]["domainName"] = domain
    if stage is not None:
        raw["requestContext"]["stage"] = stage
    request = msgspec.convert(raw, HttpApiRequest)
    assert (request.path, request.raw_path) == (path, raw_path)
    assert msgspec.convert(raw, LeanHttpApiRequest).path == path
    line = request_line(raw)
    assert line is not None and line[1] == path
    assert line_agrees(SPEC, raw)


def test_satisfies_the_http_request_protocol() -> None:
    request: HttpRequest = HttpApiRequest()
    assert request.timestamp is None


_LINE_FIELDS = (
    ("rawPath",),
    ("routeKey",),
    ("body",),
    ("isBase64Encoded",),
    ("requestContext",),
    ("requestContext", "requestId"),
    ("requestContext", "http"),
    ("requestContext", "http", "method"),
    ("requestContext", "http", "path"),
    ("requestContext", "stage"),
    ("requestContext", "domainName"),
)
_ODD = st.one_of(
    st.just(REMOVE), st.none(), st.booleans(), st.integers(), st.text(max_size=8),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@pytest.mark.parametrize("row", corpus.params("apigw-http"))
def test_request_line_of_every_corpus_event(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert line_agrees(SPEC, raw)  # real events take the direct reading
    line = request_line(raw)
    assert line is not None and line[2] == raw["routeKey"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_LINE_FIELDS), _ODD, st.sampled_from(["GET", "put", "Patch"]))
def test_request_line_says_what_the_lean_struct_says(
    where: tuple[str, ...], value: Any, method: str
) -> None:
    event = _event(body='{"a": 1}', routeKey=f"{method.upper()} /items/{{id}}")
    event["requestContext"]["http"]["method"] = method
    changed = mutated(event, where, value)
    try:
        msgspec.convert(changed, LeanHttpApiRequest)
    except msgspec.ValidationError:
        assert request_line(changed) is None  # the Struct refuses it: so does the line
        return
    line_agrees(SPEC, changed)
