"""The HTTP request factory (lambent.testing.events.http): one request posed as each
HTTP source, detected as that source and read back alike by a route's ``Request``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambent import App
from lambent.http import Request
from lambent.sources import detect
from lambent.testing import FakeContext, TestClient, http_request

KINDS = {
    "apigw-rest": "apigw-rest",
    "apigw-http": "apigw-http",
    "function-url": "function-url",
    "alb": "alb",
    "alb-multi": "alb",
}


@pytest.mark.parametrize("source", sorted(KINDS))
def test_one_request_reads_the_same_from_every_source(source: Any) -> None:
    app = App()

    @app.post("/orders/{order_id}")
    def create(order_id: str, request: Request) -> dict[str, Any]:
        return {
            "id": order_id,
            "tags": request.query.get_all("tag"),
            "trace": request.headers.get("x-trace"),
            "session": request.cookies.get("session"),
            "body": request.json(),
        }

    event = http_request(
        "POST", "/orders/7", source=source, query={"tag": ["a", "b"]},
        headers={"X-Trace": "t-1"}, cookies={"session": "s"}, json={"n": 1},
        route="/orders/{order_id}", seed=1, at=0,
    )  # fmt: skip
    assert detect(event) == KINDS[source]
    answer = app.handler(event, FakeContext())
    assert answer["statusCode"] == 200
    # an ALB target group without multi-value headers passes the last value of a key
    tags = ["b"] if source == "alb" else ["a", "b"]
    assert json.loads(answer["body"]) == {
        "id": "7", "tags": tags, "trace": "t-1", "session": "s", "body": {"n": 1},
    }  # fmt: skip


def test_a_seed_and_a_time_make_the_same_event() -> None:
    assert http_request("GET", "/", seed=3, at=0) == http_request("GET", "/", seed=3, at=0)
    assert http_request("GET", "/", seed=3, at=0) != http_request("GET", "/", seed=4, at=0)


@pytest.mark.parametrize("source", sorted(KINDS))
def test_numbers_in_query_and_headers_are_their_text(source: Any) -> None:
    app = App()

    @app.get("/page")
    def page(request: Request, size: int, exact: bool, ratio: float) -> dict[str, Any]:
        return {"size": size, "exact": exact, "ratio": ratio, "h": request.headers.get("x-n")}

    event = http_request(
        "GET", "/page", source=source, query={"size": 20, "exact": True, "ratio": 0.5},
        headers={"X-N": 3}, route="/page",
    )  # fmt: skip
    answer = app.handler(event, FakeContext())
    assert json.loads(answer["body"]) == {"size": 20, "exact": True, "ratio": 0.5, "h": "3"}


@pytest.mark.parametrize(
    ("options", "error", "says"),
    [
        ({"query": {"a": {"b": 1}}}, TypeError, "the value of 'a' is a str, a number or a list"),
        ({"headers": {"X-A": [b"bytes"]}}, TypeError, "the value of 'X-A' .* not bytes"),
        ({"query": {"a": None}}, TypeError, "not NoneType"),
        ({"path": "orders/1"}, ValueError, "a request's path starts with '/': '/orders/1'"),
    ],
)
def test_what_no_request_can_carry_is_refused_saying_what_to_give(
    options: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        http_request("GET", **{"path": "/", **options})


@pytest.mark.parametrize("source", sorted(KINDS))
def test_a_cookie_header_is_sent_as_each_service_sends_cookies(source: Any) -> None:
    app = App()

    @app.get("/me")
    def me(request: Request) -> dict[str, str]:
        return dict(request.cookies)

    event = http_request(
        "GET", "/me", source=source, headers={"Cookie": "session=s1; theme=dark"},
        cookies={"lang": "fr"}, route="/me",
    )  # fmt: skip
    answer = app.handler(event, FakeContext())
    assert json.loads(answer["body"]) == {"session": "s1", "theme": "dark", "lang": "fr"}
    if source in ("apigw-http", "function-url"):  # the list, and no cookie header
        assert event["cookies"] == ["session=s1", "theme=dark", "lang=fr"]
        assert "cookie" not in event["headers"]


@pytest.mark.parametrize("source", sorted(KINDS))
def test_a_route_with_non_ascii_literal_text_takes_its_percent_encoded_path(source: Any) -> None:
    """A REST API's resource ``/café/{x}`` is given the path ``/caf%C3%A9/1``: the
    factory (and so the test client, which names the app's template as the resource)
    builds that request instead of refusing the path as not matching its route."""
    app = App()

    @app.get("/café/{x}")
    def cafe(x: str, request: Request) -> list[str | None]:
        return [x, request.route]

    assert TestClient(app).get("/caf%C3%A9/1", source=source).json() == ["1", "/café/{x}"]
    delivered = "/café/1" if source == "apigw-http" else "/caf%C3%A9/1"  # HTTP APIs decode it
    event = http_request("GET", delivered, source=source, route="/café/{x}")
    assert json.loads(app.handler(event, FakeContext())["body"]) == ["1", "/café/{x}"]
