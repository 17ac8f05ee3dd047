"""WebSocket routes."""

from __future__ import annotations

import msgspec
import pytest
from structlog.testing import capture_logs

from lambent import App, ConfigurationError, RoutingError
from lambent.http import HTTPException, Response
from lambent.http._websocket import WebSocketRoutes
from lambent.sources.apigw_websocket import WebSocketRequest
from lambent.testing import FakeContext, websocket_event


class Chat(msgspec.Struct):
    action: str
    text: str


def make() -> App:
    app = App()

    @app.websocket("$connect")
    def connect(event: WebSocketRequest) -> Response | None:
        if event.query.get("token") != "ok":
            raise HTTPException(403, "bad token")
        return None

    @app.websocket("sendmessage")
    async def send(message: Chat, connection_id: str) -> dict[str, str]:
        return {"echo": message.text, "from": connection_id}

    @app.websocket("$default")
    def default(route_key: str) -> Response:
        return Response("unknown action", status=400)

    return app


async def test_routes_and_answers() -> None:
    app = make()
    ok = await app.dispatch(websocket_event("connect", query={"token": "ok"}), FakeContext())
    assert ok == {"statusCode": 200}
    refused = await app.dispatch(websocket_event("connect", query={"token": "no"}), FakeContext())
    assert refused["statusCode"] == 403
    event = websocket_event(
        "message",
        json={"action": "sendmessage", "text": "hi"},
        route_key="sendmessage",
        connection_id="c1=",
    )
    out = await app.dispatch(event, FakeContext())
    assert out["statusCode"] == 200 and msgspec.json.decode(out["body"]) == {
        "echo": "hi",
        "from": "c1=",
    }
    bad = websocket_event("message", json={"action": "sendmessage"}, route_key="sendmessage")
    answer = await app.dispatch(bad, FakeContext())
    assert answer["statusCode"] == 422 and "$" in msgspec.json.decode(answer["body"])["path"]
    other = await app.dispatch(
        websocket_event("message", body="x", route_key="nope"), FakeContext()
    )
    assert other["statusCode"] == 400 and other["body"] == "unknown action"


async def test_missing_route_and_duplicates() -> None:
    app = App()

    @app.websocket("$connect")
    def connect() -> None: ...

    # the duplicate is refused for itself, before the first invocation (after it, any new
    # route is refused: that refusal once passed this check)
    with pytest.raises(
        ConfigurationError, match=r"WebSocket route '\$connect' is registered twice"
    ):
        app.websocket("$connect")(connect)
    with pytest.raises(
        RoutingError, match=r"no route for this apigw-websocket event \(route_key='\$disconnect'\)"
    ):
        await app.dispatch(websocket_event("disconnect"), FakeContext())


def test_a_result_that_cannot_be_encoded_is_the_json_500() -> None:
    app = App()

    @app.websocket("$default")
    def echo(body: dict[str, object]) -> object:
        return {"when": object()}

    with capture_logs() as logs:
        out = app.handler(websocket_event(json={"a": 1}), FakeContext())
    assert out["statusCode"] == 500
    assert msgspec.json.decode(out["body"])["request_id"]
    [entry] = [e for e in logs if e["event"] == "cannot render the HTTP response"]
    assert entry["route_key"] == "$default" and "TypeError" in entry["error"]


def test_the_websocket_matcher_takes_its_key_else_default() -> None:
    routes = WebSocketRoutes()
    with pytest.raises(ConfigurationError, match="must not be empty"):
        WebSocketRoutes.resolve("", on_any)
    connect = WebSocketRoutes.resolve("$connect", on_any)
    routes.check(connect)
    routes.insert(connect)
    assert routes.lookup("send") is None
    default = WebSocketRoutes.resolve("$default", on_any, threaded=True)
    routes.insert(default)
    assert routes.lookup("$connect") is connect and routes.lookup("send") is default
    with pytest.raises(ConfigurationError, match=r"'\$connect' is registered twice"):
        routes.check(WebSocketRoutes.resolve("$connect", on_any))
    assert list(routes) == [connect, default] and default.where == "websocket route '$default'"
    assert routes.describe()[1].startswith("websocket('$default') -> ")


def on_any() -> None: ...


@pytest.mark.parametrize("event", ["connect", "disconnect"])
def test_a_connections_own_routes_never_fall_to_default(event: str) -> None:
    """API Gateway sends ``$default`` only messages whose key has no route: a ``$connect``
    or ``$disconnect`` without its handler is a RoutingError, not ``$default``'s call."""
    app = App()
    messages: list[str] = []

    @app.websocket("$default")
    def default(body: str) -> None:
        messages.append(body)

    with pytest.raises(RoutingError, match=rf"route_key='\${event}'"):
        app.handler(websocket_event(event), FakeContext())  # type: ignore[arg-type]
    assert messages == []
    app.handler(websocket_event("message", "hello", route_key="chat"), FakeContext())
    assert messages == ["hello"]
    assert WebSocketRoutes().lookup(f"${event}") is None
