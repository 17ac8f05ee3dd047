"""The same app answers the same request identically through REST, HTTP API, Function URL
and ALB (both ALB modes); cookies, repeated headers and binary bodies survive each format."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
import pytest

from lambent import App
from lambent.http import Cookie, Header, Request, Response
from lambent.testing import TestClient
from tests.http._shapes import assert_http

SOURCES = ["apigw-rest", "apigw-http", "function-url", "alb", "alb-multi"]


class Item(msgspec.Struct):
    name: str
    qty: int = 1


def make_app() -> App:
    app = App()

    @app.get("/items/{item_id}")
    def get_item(
        item_id: uuid.UUID, tag: list[str] | None = None, limit: int = 10
    ) -> dict[str, Any]:
        return {"id": str(item_id), "tags": tag or [], "limit": limit}

    @app.post("/items")
    def create(item: Item, session: Annotated[str | None, Cookie()] = None) -> Response:
        response = Response(item, status=201, headers=[("X-Multi", "a"), ("X-Multi", "b")])
        response.set_cookie("sid", "abc", http_only=True)
        response.set_cookie("theme", "dark")
        response.headers["X-Session"] = session or "-"
        return response

    @app.put("/blobs/{name}")
    def put_blob(name: str, data: bytes) -> bytes:
        return data[::-1]

    @app.get("/echo")
    def echo(request: Request, agent: Annotated[str, Header("x-agent")] = "") -> dict[str, Any]:
        return {"agent": agent, "cookies": dict(request.cookies), "ip": request.source_ip}

    @app.get("/files/{path+}")
    def files(path: str) -> str:
        return path

    @app.delete("/items/{item_id}")
    def delete(item_id: int) -> None:
        return None

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app())


def _summary(r: Any) -> tuple[Any, ...]:
    headers = {k: ",".join(r.headers.get_all(k)) for k in r.headers}
    return (r.status, headers, sorted(r.cookies), r.content)


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/items/{uuid.UUID(int=7)}", {"query": {"tag": "b c&d", "limit": "3"}}),
    ("GET", f"/items/{uuid.UUID(int=7)}/", {}),
    ("GET", "/items/not-a-uuid", {}),
    ("POST", "/items", {"json": {"name": "pen", "qty": 2}, "cookies": {"session": "s1"}}),
    ("POST", "/items", {"json": {"name": "pen", "qty": "two"}}),
    ("POST", "/items", {"body": "{not json", "headers": {"content-type": "application/json"}}),
    ("PUT", "/blobs/x", {"body": bytes(range(256))}),
    ("GET", "/echo", {"headers": {"X-Agent": "t/1"}, "cookies": {"a": "1", "b": "2"}}),
    ("GET", "/files/docs/a%20b.txt", {}),
    ("DELETE", "/items/3", {}),
    ("PATCH", "/items/3", {}),
    ("GET", "/missing", {}),
    ("HEAD", f"/items/{uuid.UUID(int=1)}", {}),
    ("OPTIONS", "/items", {}),
]


@pytest.mark.parametrize(
    ("method", "path", "options"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS]
)
def test_same_answer_from_every_source(
    client: TestClient, method: str, path: str, options: dict[str, Any]
) -> None:
    answers = {}
    for source in SOURCES:
        r = client.request(method, path, source=source, **options)
        assert_http(r.source, dict(r.raw), multi_value=source == "alb-multi")
        answers[source] = _summary(r)
    first = answers["apigw-rest"]
    assert all(a == first for a in answers.values()), answers
    assert first[0] < 500


@pytest.mark.parametrize("source", SOURCES)
def test_repeated_query_parameters(client: TestClient, source: str) -> None:
    r = client.get(f"/items/{uuid.UUID(int=7)}", query="tag=a&tag=b%20c&limit=3", source=source)
    # ALB in single-value mode keeps only the last value of a repeated parameter (AWS's rule)
    tags = ["b c"] if source == "alb" else ["a", "b c"]
    assert r.json() == {"id": str(uuid.UUID(int=7)), "tags": tags, "limit": 3}


def test_details(client: TestClient) -> None:
    r = client.get(f"/items/{uuid.UUID(int=7)}", source="alb")
    assert r.status_description == "200 OK"
    bad = client.get("/items/not-a-uuid")
    assert bad.status == 422 and "path parameter 'item_id'" in bad.json()["message"]
    created = client.post("/items", json={"name": "pen"}, cookies={"session": "s1"}, source="alb")
    assert created.status == 201
    assert created.headers.get_all("x-multi") == ["a,b"]
    assert created.headers["x-session"] == "s1"
    assert created.cookies == ["sid=abc; Path=/; HttpOnly", "theme=dark; Path=/"]
    blob = client.put("/blobs/x", body=b"\x00\xff\x10")
    assert blob.raw["isBase64Encoded"] is True and blob.content == b"\x10\xff\x00"
    assert blob.headers["content-type"] == "application/octet-stream"
    invalid = client.post("/items", json={"name": "pen", "qty": "two"}, source="apigw-rest")
    assert invalid.status == 422 and invalid.json()["path"] == "$.qty"
    assert client.delete("/items/3").status == 204
    assert client.head(f"/items/{uuid.UUID(int=1)}").content == b""
    options = client.options("/items")
    assert options.status == 204 and options.headers["allow"] == "POST, OPTIONS"
    assert client.request("PATCH", "/items/3").headers["allow"] == "GET, HEAD, DELETE, OPTIONS"


def test_alb_single_value_mode_keeps_every_cookie(client: TestClient) -> None:
    r = client.post("/items", json={"name": "pen"}, source="alb")
    names = [k for k in r.raw["headers"] if k.lower() == "set-cookie"]
    assert len(names) == 2 and len(set(names)) == 2
    multi = client.post("/items", json={"name": "pen"}, source="alb-multi")
    assert multi.raw["multiValueHeaders"]["Set-Cookie"] == r.cookies
