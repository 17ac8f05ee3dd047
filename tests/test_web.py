"""The App's HTTP-family decorators (lambent._web): each method shortcut, ``route`` with
its methods, ``configure_http`` keeping what it is not given, misspelt options, and an
HTTP event reaching an app without web routes."""

from __future__ import annotations

from typing import Any

import pytest

from lambent import App, ConfigurationError, Router, RoutingError
from lambent._errors import OptionError
from lambent._web import web_router
from lambent.http import CORS
from lambent.testing import FakeContext, TestClient, http_request

SHORTCUTS = ["get", "post", "put", "patch", "delete", "options"]


@pytest.mark.parametrize("method", SHORTCUTS)
def test_each_shortcut_answers_its_method_and_allows_only_it(method: str) -> None:
    app = App()

    def handler() -> dict[str, str]:
        return {"method": method}

    assert getattr(app, method)("/thing")(handler) is handler
    client = TestClient(app)
    response = client.request(method.upper(), "/thing")
    assert response.status == 200 and response.json() == {"method": method}
    other = "POST" if method != "post" else "PUT"
    refused = client.request(other, "/thing")
    assert refused.status == 405
    assert method.upper() in refused.headers["allow"]
    assert other not in refused.headers["allow"]


def test_head_is_its_own_route_when_declared() -> None:
    app = App()
    app.head("/ping")(lambda: None)
    assert TestClient(app).head("/ping").status in (200, 204)
    assert TestClient(app).get("/ping").status == 405


def test_route_takes_one_method_as_a_string_and_any_case() -> None:
    app = App()
    app.route("/a", "post")(lambda: {"a": 1})
    app.route("/b", ["get", "DELETE"])(lambda: {"b": 1})
    client = TestClient(app)
    assert client.post("/a").json() == {"a": 1}
    assert client.get("/b").json() == {"b": 1}
    assert client.delete("/b").json() == {"b": 1}
    assert client.put("/b").status == 405


@pytest.mark.parametrize("methods", [["GET", "FETCH"], "TRACE", []])
def test_unknown_or_no_methods_fail_at_registration(methods: Any) -> None:
    with pytest.raises(ConfigurationError, match="unknown HTTP methods") as info:
        App().route("/x", methods)
    for bad in [m for m in ([methods] if isinstance(methods, str) else methods) if m != "GET"]:
        assert bad in str(info.value)


def test_api_gateway_s_any_method_says_to_list_the_methods() -> None:
    with pytest.raises(ConfigurationError) as info:
        App().route("/{proxy+}", methods=["ANY"])
    assert str(info.value) == (
        "route '/{proxy+}': unknown HTTP methods ['ANY'] (API Gateway's ANY: list the methods)"
    )


def test_configure_http_keeps_the_options_it_is_not_given() -> None:
    app = App()
    app.post("/upload")(lambda: {"ok": True})
    app.configure_http(max_body_size=5)
    app.configure_http(cors=CORS(allow_origins=["https://shop.example"]))
    client = TestClient(app)
    assert client.post("/upload", body="0123456789").status == 413
    assert client.post("/upload", body="0123").status == 200
    preflight = client.options(
        "/upload",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    app2 = App()
    app2.post("/upload")(lambda: {"ok": True})
    app2.configure_http(max_body_size=5)
    app2.configure_http(max_body_size=None)  # None lifts the limit; it is not "unset"
    assert TestClient(app2).post("/upload", body="0123456789").status == 200


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda app: app.get("/x", threded=True), "get"),
        (lambda app: app.route("/x", ["GET"], idempotant=True), "route"),
        (lambda app: app.websocket("$default", threads=True), "websocket"),
        (lambda app: app.authorizer("TOKEN", thread=True), "authorizer"),
        (lambda app: app.edge("viewer-request", "/x", thread=True), "edge"),
        (lambda app: app.configure_http(max_body=1), "configure_http"),
        (lambda app: app.configure_http(1), "configure_http"),
    ],
)
def test_a_misspelt_or_positional_option_names_the_decorator(call: Any, name: str) -> None:
    app = App()
    with pytest.raises(OptionError, match=rf"^{name}: ") as info:
        call(app)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ConfigurationError)


def test_an_http_event_for_an_app_without_web_routes_is_a_routing_error() -> None:
    app = App()
    app.sqs("orders")(lambda: None)
    with pytest.raises(RoutingError, match="no HTTP, WebSocket, authorizer or edge routes"):
        app.handler(http_request("GET", "/orders"), FakeContext())


def test_web_router_is_the_apps_or_routers_and_none_without_web_routes() -> None:
    """``web_router``: what the OpenAPI generator, the test client and ``lambent routes``
    read; ``None`` for an app without web routes and for anything that is not an app."""
    app, router = App(), Router()
    assert web_router(app) is None and web_router(router) is None
    assert web_router(object()) is None
    app.sqs("orders")(lambda body: None)
    assert web_router(app) is None  # record routes are not the web router's
    app.get("/a")(lambda: "a")
    router.websocket("$connect")(lambda: None)
    found, own = web_router(app), web_router(router)
    assert found is not None and own is not None and found is not own
    assert [line.split(" -> ")[0] for line in found.describe()] == ["http(GET /a)"]
    assert [line.split(" -> ")[0] for line in own.describe()] == ["websocket('$connect')"]


def test_websocket_authorizer_and_edge_return_the_handler_unchanged() -> None:
    app = App()

    def on_message() -> None: ...

    def authorize() -> None: ...

    def rewrite() -> None: ...

    assert app.websocket("$default")(on_message) is on_message
    assert app.authorizer("TOKEN")(authorize) is authorize
    assert app.edge("viewer-request")(rewrite) is rewrite


def test_configure_http_rejects_unknown_options() -> None:
    with pytest.raises(ConfigurationError, match="configure_http: got an unexpected keyword"):
        App().configure_http(nope=1)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="get: got an unexpected keyword argument 'nope'"):
        App().get("/x", nope=1)(lambda: None)  # type: ignore[call-arg]


def test_a_misspelt_option_names_the_method_and_is_a_type_error_too() -> None:
    """Options are explicit keywords (editors and mypy show them); a typo is a
    ConfigurationError that is also the TypeError Python raises for a bad call."""
    with pytest.raises(TypeError, match=r"configure_http: .*'nope'"):
        App().configure_http(nope=1)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match=r"get: .*'threded'"):
        App().get("/x", threded=True)  # type: ignore[call-arg]
