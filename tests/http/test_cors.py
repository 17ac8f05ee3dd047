"""CORS preflights and actual responses."""

from __future__ import annotations

import pytest

from lambent import App, ConfigurationError
from lambent.http import CORS
from lambent.testing import TestClient


def make(cors: CORS) -> TestClient:
    app = App()
    app.configure_http(cors=cors)

    @app.get("/items")
    def items() -> list[int]:
        return [1]

    @app.post("/items")
    def create() -> None:
        return None

    return TestClient(app)


PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_preflight_allowed(source: str) -> None:
    client = make(
        CORS(
            allow_origins=["https://*.example.com"],
            allow_headers=["X-Api-Key"],
            allow_credentials=True,
            max_age=60,
        )
    )
    headers = {**PREFLIGHT, "Access-Control-Request-Headers": "x-api-key, content-type"}
    r = client.options("/items", headers=headers, source=source)
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "https://app.example.com"
    assert r.headers["access-control-allow-methods"] == "GET, HEAD, POST, OPTIONS"
    assert r.headers["access-control-allow-headers"] == "x-api-key, content-type"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["access-control-max-age"] == "60"
    assert r.headers["vary"] == "Origin"


def test_preflight_refusals() -> None:
    client = make(CORS(allow_origins=["https://a.com"], allow_methods=["GET"]))
    assert (
        client.options("/items", headers={**PREFLIGHT, "Origin": "https://evil.com"}).status == 403
    )
    r = client.options("/items", headers={**PREFLIGHT, "Origin": "https://a.com"})
    assert r.status == 403 and "method" in r.json()["message"]
    r = client.options(
        "/items",
        headers={
            "Origin": "https://a.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Secret",
        },
    )
    assert r.status == 403 and "X-Secret" in r.json()["message"]
    assert client.options("/nowhere", headers=PREFLIGHT).status == 404


def test_actual_responses_get_cors_headers() -> None:
    client = make(CORS(expose_headers=["X-Total"]))
    r = client.get("/items", headers={"Origin": "https://x.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-expose-headers"] == "X-Total"
    assert (
        client.get("/nowhere", headers={"Origin": "https://x.org"}).headers[
            "access-control-allow-origin"
        ]
        == "*"
    )
    assert "access-control-allow-origin" not in client.get("/items").headers
    plain = client.options("/items")  # no preflight headers: the automatic OPTIONS answer
    assert plain.status == 204 and plain.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_bad_config() -> None:
    with pytest.raises(
        ConfigurationError, match="allow_origins must be a list of strings, not one"
    ):
        CORS(allow_origins="*")
    with pytest.raises(ConfigurationError, match="max_age must be >= 0, not -1"):
        CORS(max_age=-1)
