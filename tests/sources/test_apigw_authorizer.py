"""API Gateway Lambda authorizer events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources.apigw_authorizer import (
    SPECS,
    HttpAuthorizerEvent,
    RequestAuthorizerEvent,
    TokenAuthorizerEvent,
    detect,
    parse_execute_api_arn,
)
from lambent.sources.apigw_http import detect as detect_http_api
from tests import corpus


@pytest.mark.parametrize("row", corpus.params("apigw-authorizer"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    specs = [spec for spec in SPECS if spec.detect(raw)]
    assert len(specs) == 1
    spec = specs[0]
    assert spec.kind == "apigw-authorizer"
    assert spec.response == "http" and spec.web is not None and spec.web.role == "authorizer"
    event = msgspec.convert(raw, spec.event_type)
    (item,) = spec.items(event)
    assert item is event
    key = spec.route_key(event, item)
    if raw["type"] == "TOKEN":
        assert isinstance(event, TokenAuthorizerEvent)
        assert key == "TOKEN"
        assert event.authorization_token == raw["authorizationToken"]
        assert spec.item_id(item) == raw["methodArn"]
    elif "routeArn" in raw:
        assert isinstance(event, HttpAuthorizerEvent)
        assert key == "REQUEST-v2"
        assert detect_http_api(raw)  # the trap: it looks like a 2.0 request
        assert event.identity_source == raw["identitySource"]
        assert event.route_arn == raw["routeArn"]
        assert event.request_id == raw["requestContext"]["requestId"] == spec.item_id(item)
        assert event.path == raw["rawPath"]
        assert event.method == raw["requestContext"]["http"]["method"]
        assert event.raw_cookies == raw["cookies"]
        for name, value in raw["headers"].items():
            assert event.headers[name] == value
    else:
        assert isinstance(event, RequestAuthorizerEvent)
        assert key == "REQUEST"
        assert event.method_arn == raw["methodArn"]
        assert event.method == raw["httpMethod"]
        assert event.request_id == raw["requestContext"]["requestId"] == spec.item_id(item)
        for name, value in raw["queryStringParameters"].items():
            assert event.query[name] == value
        assert event.source_ip == raw["requestContext"]["identity"]["sourceIp"]
    arn = event.arn
    assert arn.api_id
    assert arn.account_id.isdigit()
    assert arn.method == "GET"


def test_parse_execute_api_arn() -> None:
    arn = parse_execute_api_arn("arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/a/b")
    assert arn == ("us-east-1", "123456789012", "abc", "prod", "POST", "a/b")
    assert parse_execute_api_arn("nonsense") == ("", "", "", "", "", "")


def test_cookies_and_query_of_a_2_0_authorizer_event() -> None:
    raw = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:r:1:a/s/GET/x",
        "cookies": ["sid=abc"],
        "rawQueryString": "a=1&a=2",
        "requestContext": {"requestId": "r1", "http": {"method": "GET", "path": "/x"}},
    }
    event = msgspec.convert(raw, HttpAuthorizerEvent)
    assert event.cookies == {"sid": "abc"}
    assert event.query.get_all("a") == ["1", "2"]
    assert event.path == "/x"


def test_request_authorizer_cookies_case_insensitive() -> None:
    raw = {"type": "REQUEST", "methodArn": "arn", "headers": {"COOKIE": "a=1"}}
    event = msgspec.convert(raw, RequestAuthorizerEvent)
    assert event.cookies == {"a": "1"}
    assert event.headers["cookie"] == "a=1"
    assert SPECS[2].item_id(event) == "arn"
