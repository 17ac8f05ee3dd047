"""Lambda function URL requests."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources._base import epoch_ms
from lambent.sources.apigw_http import HttpApiRequest
from lambent.sources.apigw_http import detect as detect_http_api
from lambent.sources.function_url import SPECS, FunctionUrlRequest, detect
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("function-url"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    request = msgspec.convert(raw, FunctionUrlRequest)
    assert isinstance(request, HttpApiRequest)
    context = raw["requestContext"]
    assert request.method == context["http"]["method"]
    assert request.path == raw["rawPath"]
    assert request.request_id == context["requestId"] == SPEC.item_id(request)
    assert SPEC.route_key(request, request) == (request.method, request.path)
    assert ".lambda-url." in (request.request_context.domain_name or "")
    assert request.url_id == context["apiId"]
    for name, value in (raw.get("headers") or {}).items():
        assert request.headers[name.title()] == value
    assert request.timestamp == epoch_ms(context["timeEpoch"])
    assert request.body_bytes == (raw.get("body") or "").encode()
    iam = (context.get("authorizer") or {}).get("iam")
    if iam:
        assert request.request_context.authorizer is not None
        assert request.request_context.authorizer.iam is not None
        assert request.request_context.authorizer.iam.caller_id == iam["callerId"]


@pytest.mark.parametrize("row", corpus.params("apigw-http"))
def test_http_api_requests_are_not_function_urls(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert detect_http_api(raw)
    assert not detect(raw)


def test_url_id_falls_back_to_the_domain() -> None:
    raw = {
        "version": "2.0",
        "rawPath": "/",
        "requestContext": {"domainName": "abc123.lambda-url.eu-west-1.on.aws", "http": {}},
    }
    assert detect(raw)
    assert msgspec.convert(raw, FunctionUrlRequest).url_id == "abc123"
