"""The Lambda@Edge factory (lambent.testing.events.cloudfront): requests and responses
of each event type, detected as CloudFront and read back by an edge route."""

from __future__ import annotations

from typing import Any

import pytest

from lambent import App
from lambent.http import EdgeRequest
from lambent.sources import detect
from lambent.testing import FakeContext, cloudfront_event
from lambent.testing.events.cloudfront import edge_headers


def test_headers_are_keyed_lowercase_and_keep_their_spelling() -> None:
    assert edge_headers({"X-Tag": "a", "Host": "h"}) == {
        "x-tag": [{"key": "X-Tag", "value": "a"}],
        "host": [{"key": "Host", "value": "h"}],
    }


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_a_request_event_reaches_the_edge_route_with_its_parts(event_type: Any) -> None:
    app = App()
    seen: list[tuple[str, str, str | None]] = []

    @app.edge(event_type)
    def route(request: EdgeRequest) -> None:
        seen.append((request.uri, request.method, request.headers.get("x-tag")))

    event = cloudfront_event(event_type, uri="/a b", method="POST", headers={"X-Tag": "t"}, seed=1)
    assert detect(event) == "cloudfront"
    config = event["Records"][0]["cf"]["config"]
    assert config["eventType"] == event_type and config["distributionId"] == "EDFDVBD6EXAMPLE"
    app.handler(event, FakeContext())
    assert seen == [("/a b", "POST", "t")]


@pytest.mark.parametrize("event_type", ["viewer-response", "origin-response"])
def test_a_response_event_carries_the_status_and_its_headers(event_type: Any) -> None:
    event = cloudfront_event(event_type, status=404, response_headers={"X-Cache": "miss"}, seed=1)
    assert detect(event) == "cloudfront"
    response = event["Records"][0]["cf"]["response"]
    assert response["status"] == "404" and response["headers"]["x-cache"][0]["value"] == "miss"
