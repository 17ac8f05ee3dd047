"""CloudFront Lambda@Edge events."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from lambent.sources.cloudfront import SPECS, CloudFrontEvent, detect
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("cloudfront"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    event = msgspec.convert(raw, CloudFrontEvent)
    (record,) = SPEC.items(event)
    cf = raw["Records"][0]["cf"]
    assert record.config.distribution_id == cf["config"]["distributionId"]
    assert record.event_type == cf["config"].get("eventType", "")
    assert SPEC.item_id(record) == cf["config"].get("requestId", "")
    raw_request = cf.get("request")
    uri = raw_request["uri"] if raw_request else ""
    assert SPEC.route_key(event, record) == (record.event_type, uri)
    if raw_request:
        assert record.request is not None
        assert record.request.method == raw_request["method"]
        assert record.request.client_ip == raw_request["clientIp"]
        for name, values in raw_request["headers"].items():
            assert record.request.headers.get_all(name.upper()) == [v["value"] for v in values]
            assert [h.key for h in record.request.raw_headers[name]] == [v["key"] for v in values]
    if "response" in cf:
        assert record.response is not None
        assert not record.is_request_event
        assert record.response.status == cf["response"]["status"]
        assert record.response.status_code == int(cf["response"]["status"])
        for name, values in cf["response"]["headers"].items():
            assert record.response.headers[name] == values[-1]["value"]


def _origin_request() -> dict[str, Any]:
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": "origin-request",
                        "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
                    },
                    "request": {
                        "clientIp": "203.0.113.178",
                        "method": "POST",
                        "uri": "/form",
                        "querystring": "a=1&a=2&q=x%20y",
                        "headers": {
                            "cookie": [
                                {"key": "Cookie", "value": "a=1"},
                                {"key": "Cookie", "value": "b=2"},
                            ],
                            "host": [{"key": "Host", "value": "example.org"}],
                        },
                        "body": {
                            "inputTruncated": False,
                            "action": "read-only",
                            "encoding": "base64",
                            "data": base64.b64encode(b"name=x").decode(),
                        },
                        "origin": {
                            "custom": {
                                "customHeaders": {},
                                "domainName": "example.org",
                                "keepaliveTimeout": 5,
                                "path": "",
                                "port": 443,
                                "protocol": "https",
                                "readTimeout": 30,
                                "sslProtocols": ["TLSv1.2"],
                            }
                        },
                    },
                }
            }
        ]
    }


def test_full_origin_request() -> None:
    raw = _origin_request()
    assert detect(raw)
    event = msgspec.convert(raw, CloudFrontEvent)
    (record,) = SPEC.items(event)
    assert SPEC.route_key(event, record) == ("origin-request", "/form")
    assert SPEC.item_id(record).startswith("4TyzHTaYWb1GX1qT")
    request = record.request
    assert request is not None
    assert request.body is not None
    assert request.origin is not None
    assert request.body.data_bytes == b"name=x"
    assert request.query.get_all("a") == ["1", "2"]
    assert request.query["q"] == "x y"
    assert request.cookies == {"a": "1", "b": "2"}
    assert request.headers["HOST"] == "example.org"
    assert request.origin.custom is not None
    assert request.origin.custom.port == 443


def test_detect_needs_a_cf_config() -> None:
    assert not detect({"Records": [{"cf": {}}]})
    assert not detect({"Records": [{"eventSource": "aws:sqs"}]})
    assert not detect({"Records": "x"})
