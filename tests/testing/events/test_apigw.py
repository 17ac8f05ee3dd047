"""The WebSocket and authorizer factories (lambent.testing.events.apigw): each event is
detected as its source and reaches the route its options name."""

from __future__ import annotations

from typing import Any

import pytest

from lambent import App
from lambent.sources import detect
from lambent.sources.apigw_websocket import WebSocketRequest
from lambent.testing import FakeContext, authorizer_event, websocket_event


@pytest.mark.parametrize(
    ("event", "route"),
    [("connect", "$connect"), ("message", "$default"), ("disconnect", "$disconnect")],
)
def test_websocket_events_name_their_route_and_connection(event: Any, route: str) -> None:
    app = App()
    seen: list[tuple[str, str]] = []

    @app.websocket(route)
    def on(request: WebSocketRequest) -> None:
        seen.append((request.route_key, request.connection_id))

    built = websocket_event(
        event, body="hi" if event == "message" else None, connection_id="c1=", seed=1
    )
    assert detect(built) == "apigw-websocket"
    assert app.handler(built, FakeContext())["statusCode"] == 200
    assert seen == [(route, "c1=")]


def test_a_named_route_key_and_a_json_body() -> None:
    event = websocket_event("message", json={"action": "send"}, route_key="send", seed=1, at=0)
    assert event["requestContext"]["routeKey"] == "send" and event["body"] == '{"action":"send"}'
    assert event == websocket_event(
        "message", json={"action": "send"}, route_key="send", seed=1, at=0
    )


@pytest.mark.parametrize(
    ("kind", "registered"), [("token", "TOKEN"), ("request", "REQUEST"), ("http", "HTTP")]
)
def test_each_authorizer_kind_reaches_its_authorizer(kind: Any, registered: str) -> None:
    app = App()
    reached: list[str] = []

    @app.authorizer(registered)
    def authorize() -> bool:
        reached.append(registered)
        return True

    event = authorizer_event(kind, token="Bearer t", headers={"Authorization": "Bearer t"}, seed=1)
    assert detect(event) == "apigw-authorizer"
    app.handler(event, FakeContext())
    assert reached == [registered]
