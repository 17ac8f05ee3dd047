"""Application Load Balancer requests."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from lambent.sources._http import HttpRequest
from lambent.sources.alb import SPECS, AlbRequest, detect
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("alb"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    request = msgspec.convert(raw, AlbRequest)
    assert SPEC.items(request) == (request,)
    assert request.method == raw["httpMethod"]
    assert request.path == raw["path"]
    assert SPEC.route_key(request, request) == (raw["httpMethod"], raw["path"])
    assert request.target_group_arn == raw["requestContext"]["elb"]["targetGroupArn"]
    multi = "multiValueHeaders" in raw
    assert request.multi_value == multi
    headers = raw["multiValueHeaders"] if multi else {k: [v] for k, v in raw["headers"].items()}
    for name, values in headers.items():
        assert request.headers.get_all(name.upper()) == values
    trace = headers["x-amzn-trace-id"][-1]
    assert request.request_id == SPEC.item_id(request) == trace
    assert request.source_ip == headers["x-forwarded-for"][0]
    query = raw.get("multiValueQueryStringParameters") or {
        k: [v] for k, v in (raw.get("queryStringParameters") or {}).items()
    }
    assert {k: request.query.get_all(k) for k in request.query} == query
    assert request.body_bytes == raw["body"].encode()
    assert request.timestamp is None
    assert request.path_params == {}


def test_multi_value_mode() -> None:
    raw = {
        "requestContext": {"elb": {"targetGroupArn": "arn:tg"}},
        "httpMethod": "GET",
        "path": "/search",
        "multiValueQueryStringParameters": {"tag": ["a", "b"], "q": ["x"]},
        "multiValueHeaders": {"cookie": ["s=1", "t=2"], "x-amzn-trace-id": ["Root=1-abc"]},
        "body": "",
        "isBase64Encoded": False,
    }
    request = msgspec.convert(raw, AlbRequest)
    assert request.multi_value
    assert request.query.get_all("tag") == ["a", "b"]
    assert request.query["tag"] == "b"
    assert request.cookies == {"s": "1", "t": "2"}
    assert request.request_id == "Root=1-abc"


def test_query_values_are_url_decoded() -> None:
    raw = {
        "requestContext": {"elb": {"targetGroupArn": "arn:tg"}},
        "httpMethod": "GET",
        "path": "/",
        "queryStringParameters": {"q": "caf%C3%A9+au%20lait", "a%26b": "1%3D2"},
        "headers": {},
        "body": "",
    }
    request = msgspec.convert(raw, AlbRequest)
    assert request.query == {"q": "café au lait", "a&b": "1=2"}
    assert request.query_string_parameters == raw["queryStringParameters"]  # wire kept as sent


def test_missing_trace_id_and_health_check() -> None:
    raw = {
        "requestContext": {"elb": {"targetGroupArn": "arn:tg"}},
        "httpMethod": "GET",
        "path": "/",
        "queryStringParameters": {},
        "headers": {"user-agent": "ELB-HealthChecker/2.0"},
        "body": "",
    }
    request = msgspec.convert(raw, AlbRequest)
    assert request.request_id == SPEC.item_id(request) == ""
    assert request.source_ip == ""
    assert request.is_health_check
    assert not request.multi_value


def test_base64_body() -> None:
    raw = {
        "requestContext": {"elb": {"targetGroupArn": "arn:tg"}},
        "httpMethod": "POST",
        "path": "/",
        "headers": {"content-encoding": "gzip"},
        "body": base64.b64encode(b"\x1f\x8b").decode(),
        "isBase64Encoded": True,
    }
    request = msgspec.convert(raw, AlbRequest)
    assert request.body_bytes == b"\x1f\x8b"


def test_satisfies_the_http_request_protocol() -> None:
    request: HttpRequest = AlbRequest()
    assert request.request_id == ""
