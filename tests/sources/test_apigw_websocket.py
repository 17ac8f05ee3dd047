"""API Gateway WebSocket events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources._base import epoch_ms
from lambent.sources.apigw_rest import detect as detect_rest
from lambent.sources.apigw_websocket import SPECS, WebSocketRequest, detect
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("apigw-websocket"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    request = msgspec.convert(raw, WebSocketRequest)
    context = raw["requestContext"]
    assert SPEC.items(request) == (request,)
    assert request.route_key == context["routeKey"] == SPEC.route_key(request, request)
    assert request.event_type == context["eventType"]
    assert request.connection_id == context["connectionId"]
    assert request.request_id == context["requestId"] == SPEC.item_id(request)
    assert request.timestamp == epoch_ms(context["requestTimeEpoch"])
    assert request.request_context.connected == epoch_ms(context["connectedAt"])
    assert request.source_ip == context["identity"]["sourceIp"]
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        assert request.headers.get_all(name.lower()) == values
    assert request.body_bytes == (raw.get("body") or "").encode()
    if context["eventType"] == "DISCONNECT":
        assert request.request_context.disconnect_status_code == context["disconnectStatusCode"]
    if context["eventType"] == "MESSAGE":
        assert request.request_context.message_id == context["messageId"]


def test_rest_keys_do_not_hide_a_websocket_event() -> None:
    raw = {
        "resource": "/",
        "path": "/",
        "httpMethod": "POST",
        "requestContext": {
            "apiId": "a",
            "connectionId": "c1",
            "eventType": "MESSAGE",
            "routeKey": "sendMessage",
            "messageId": "m1",
        },
        "body": '{"action": "sendMessage"}',
    }
    assert detect(raw)
    assert detect_rest(raw)
    request = msgspec.convert(raw, WebSocketRequest)
    assert SPEC.route_key(request, request) == "sendMessage"
    assert request.request_id == "m1"  # no requestId: fall back to messageId
    assert SPEC.payload is not None
    assert SPEC.payload(request) == raw["body"]


def test_unknown_event_type_is_not_websocket() -> None:
    assert not detect({"requestContext": {"connectionId": "c", "eventType": "OTHER"}})


@pytest.mark.parametrize("event_type", [[], {}, ["MESSAGE"], None, 1])
def test_detection_of_a_malformed_event_type_says_no_without_raising(event_type: Any) -> None:
    assert not detect({"requestContext": {"connectionId": "c", "eventType": event_type}})
