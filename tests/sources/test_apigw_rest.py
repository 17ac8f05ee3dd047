"""API Gateway REST / HTTP API payload 1.0 requests."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent.sources._base import epoch_ms
from lambent.sources._http import HttpRequest
from lambent.sources.apigw_rest import SPECS, LeanRestRequest, RestRequest, detect, request_line
from tests import corpus
from tests.sources._support import REMOVE, certain_agrees, line_agrees, mutated, sharing_ahead

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("apigw-rest"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    request = msgspec.convert(raw, RestRequest)
    context = raw["requestContext"]
    assert SPEC.items(request) == (request,)
    assert request.method == raw["httpMethod"]
    assert request.path == raw["path"]
    assert request.resource == raw["resource"]
    assert request.request_id == context["requestId"] == SPEC.item_id(request)
    assert SPEC.route_key(request, request) == (raw["httpMethod"], raw["path"])
    multi = raw.get("multiValueHeaders") or {}
    for name, value in (raw.get("headers") or {}).items():
        expected = multi[name][-1] if name in multi else value
        assert request.headers[name.upper()] == expected
    for name, values in multi.items():
        assert request.headers.get_all(name) == values
    for name, values in (raw.get("multiValueQueryStringParameters") or {}).items():
        assert request.query.get_all(name) == values
    for name, value in (raw.get("queryStringParameters") or {}).items():
        assert value in request.query.get_all(name)
    assert request.body_bytes == (raw.get("body") or "").encode()
    assert request.path_params == (raw.get("pathParameters") or {})
    assert request.is_http_api == (raw.get("version") == "1.0")
    if "requestTimeEpoch" in context:
        assert request.timestamp == epoch_ms(context["requestTimeEpoch"])
    if "identity" in context:
        assert request.source_ip == context["identity"]["sourceIp"]
    assert SPEC.payload is not None
    payload = SPEC.payload(request)
    assert (payload.encode() if isinstance(payload, str) else payload) == request.body_bytes


def test_false_base64_flag_is_taken_as_text() -> None:
    # several widely copied sample events say isBase64Encoded=true over a plain-text body
    raw = {
        "resource": "/",
        "path": "/",
        "httpMethod": "POST",
        "requestContext": {"requestId": "r"},
        "body": "Hello from Lambda!",
        "isBase64Encoded": True,
    }
    request = msgspec.convert(raw, RestRequest)
    assert request.body_bytes == b"Hello from Lambda!"


def test_minimal_event_has_defaults() -> None:
    request = msgspec.convert(
        {"resource": "/", "path": "/", "httpMethod": "get", "requestContext": {}}, RestRequest
    )
    assert request.method == "GET"
    assert request.request_id == request.source_ip == ""
    assert request.timestamp is None
    assert request.headers == {}
    assert request.query == {}
    assert request.cookies == {}
    assert request.body_bytes == b""


def test_base64_body_and_cookies() -> None:
    raw = {
        "resource": "/upload",
        "path": "/upload",
        "httpMethod": "POST",
        "headers": {"Cookie": "a=1; b=2", "Content-Type": "application/octet-stream"},
        "multiValueHeaders": {"Cookie": ["a=1; b=2", "c=3"]},
        "requestContext": {"requestId": "r", "apiId": "x"},
        "body": base64.b64encode(b"\x00\x01\xff").decode(),
        "isBase64Encoded": True,
    }
    request = msgspec.convert(raw, RestRequest)
    assert request.body_bytes == b"\x00\x01\xff"
    assert SPEC.payload is not None
    assert SPEC.payload(request) == b"\x00\x01\xff"
    assert request.cookies == {"a": "1", "b": "2", "c": "3"}
    assert request.headers["content-type"] == "application/octet-stream"


def test_satisfies_the_http_request_protocol() -> None:
    request: HttpRequest = RestRequest()
    assert request.method == ""


_LINE_FIELDS = (
    ("path",),
    ("resource",),
    ("httpMethod",),
    ("version",),
    ("body",),
    ("isBase64Encoded",),
    ("requestContext",),
    ("requestContext", "requestId"),
)
_ODD = st.one_of(
    st.just(REMOVE), st.none(), st.booleans(), st.integers(), st.text(max_size=8),
    st.sampled_from(["1.0", "2.0"]), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@pytest.mark.parametrize("row", corpus.params("apigw-rest"))
def test_request_line_of_every_corpus_event(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert line_agrees(SPEC, raw)  # real events take the direct reading
    line = request_line(raw)
    assert line is not None and line[2] == f"{raw['httpMethod'].upper()} {raw['resource']}"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_LINE_FIELDS), _ODD, st.sampled_from(["GET", "put"]))
def test_request_line_says_what_the_lean_struct_says(
    where: tuple[str, ...], value: Any, method: str
) -> None:
    event = {
        "resource": "/items/{id}",
        "path": "/items/a%2Fb",
        "httpMethod": method,
        "requestContext": {"requestId": "r-1"},
        "body": "e30=",
        "isBase64Encoded": True,
    }
    changed = mutated(event, where, value)
    try:
        msgspec.convert(changed, LeanRestRequest)
    except msgspec.ValidationError:
        assert request_line(changed) is None  # the Struct refuses it: so does the line
        return
    line_agrees(SPEC, changed)


@pytest.mark.parametrize("row", corpus.params())
def test_the_line_that_settles_detection_of_every_corpus_event(row: corpus.Row | None) -> None:
    """``event_line`` gives a line only where the registry says REST: for every REST
    request of the corpus, and for no event of another kind."""
    if row is None:
        corpus.require()
        return
    line = certain_agrees(SPEC, corpus.load(row))
    assert (line is not None) is (row.kind == "apigw-rest")


def test_the_sources_ahead_are_marked_or_read() -> None:
    """Every source ahead in detection order either claims only events with a key
    ``event_line`` refuses, or shares this source's keys and is one it answers for."""
    shared = sharing_ahead("apigw_rest", {"httpMethod", "requestContext"})
    assert shared == ["alb", "function_url", "apigw_http", "apigw_websocket"]


_SETTLING = st.sampled_from(
    [
        ("httpMethod",), ("resource",), ("path",), ("version",), ("body",),
        ("isBase64Encoded",), ("rawPath",), ("methodArn",), ("routeArn",), ("type",),
        ("Records",), ("awslogs",), ("requestContext",), ("requestContext", "elb"),
        ("requestContext", "connectionId"), ("requestContext", "eventType"),
        ("requestContext", "requestId"), ("requestContext", "http"),
        ("requestContext", "domainName"), ("headers",),
    ]
)  # fmt: skip
_SETTLING_VALUES = st.one_of(
    _ODD,
    st.just({"targetGroupArn": "arn:aws:elasticloadbalancing:x"}),
    st.sampled_from(["CONNECT", "MESSAGE", "/x", "abc.lambda-url.eu-west-1.on.aws"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SETTLING, _SETTLING_VALUES), max_size=3))
def test_the_line_that_settles_detection_of_changed_requests(
    changes: list[tuple[tuple[str, ...], Any]],
) -> None:
    from lambent.testing import http_request

    event = http_request("PUT", "/items/7", source="apigw-rest", route="/items/{id}",
                         json={"a": 1}, seed=3)  # fmt: skip
    for where, value in changes:
        event = mutated(event, where, value)
    line = certain_agrees(SPEC, event)
    assert line is not None or changes  # an untouched request is settled
