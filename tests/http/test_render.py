"""Exact wire shapes per source (LAMBDA.md §5.7-§5.9) and the Response type."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import App
from lambent.http import CallNext, Header, HTTPException, Request, Response, SetCookie
from lambent.http._render import render_http
from lambent.testing import FakeContext, TestClient, http_request


class _Alb:
    def __init__(self, multi_value: bool) -> None:
        self.multi_value = multi_value


def response() -> Response:
    r = Response({"a": 1}, status=201, headers=[("X-One", "1"), ("X-Rep", "a"), ("x-rep", "b")])
    r.set_cookie("s", "1")
    r.headers.add("Set-Cookie", "t=2")
    return r


def test_rest_shape() -> None:
    assert render_http("rest", None, response()) == {
        "statusCode": 201,
        "headers": {"X-One": "1", "Content-Type": "application/json"},
        "multiValueHeaders": {"X-Rep": ["a", "b"], "Set-Cookie": ["s=1; Path=/", "t=2"]},
        "body": '{"a":1}',
        "isBase64Encoded": False,
    }


def test_v2_shape() -> None:
    for wire in ("v2",):  # HTTP API 2.0 and Function URLs
        assert render_http(wire, None, response()) == {
            "statusCode": 201,
            "headers": {"x-one": "1", "x-rep": "a,b", "content-type": "application/json"},
            "cookies": ["s=1; Path=/", "t=2"],
            "body": '{"a":1}',
            "isBase64Encoded": False,
        }


ALB_HEADERS = {
    "X-One": "1",
    "X-Rep": "a,b",
    "Content-Type": "application/json",
    "Set-Cookie": "s=1; Path=/",
    "set-Cookie": "t=2",
}


def test_alb_shapes() -> None:
    assert render_http("alb", _Alb(False), response()) == {
        "statusCode": 201,
        "statusDescription": "201 Created",
        "headers": ALB_HEADERS,
        "body": '{"a":1}',
        "isBase64Encoded": False,
    }
    assert render_http("alb", _Alb(True), response())["multiValueHeaders"] == {
        "X-One": ["1"], "X-Rep": ["a", "b"], "Content-Type": ["application/json"],
        "Set-Cookie": ["s=1; Path=/", "t=2"],
    }  # fmt: skip


def test_plain_returns() -> None:
    app = App()

    class Item(msgspec.Struct):
        n: int

    values: dict[str, Any] = {
        "struct": Item(1), "dict": {"a": 1}, "list": [1, 2], "str": "hé", "bytes": b"\x00\x01",
        "none": None, "typed": Response("<p>", media_type="text/html"),
    }  # fmt: skip
    for name, value in values.items():
        app.get(f"/{name}")(lambda value=value: value)
    client = TestClient(app)
    assert client.get("/struct").json() == {"n": 1}
    assert client.get("/dict").headers["content-type"] == "application/json"
    assert client.get("/list").json() == [1, 2]
    text = client.get("/str", source="function-url")
    assert text.text == "hé" and text.headers["content-type"] == "text/plain; charset=utf-8"
    binary = client.get("/bytes", source="apigw-rest")
    assert binary.raw["isBase64Encoded"] is True and binary.raw["body"] == "AAE="
    none = client.get("/none", source="alb")
    assert (
        none.status == 204
        and none.raw["body"] == ""
        and none.raw["statusDescription"] == "204 No Content"
    )
    assert client.get("/typed").headers["content-type"] == "text/html"


def test_cookies() -> None:
    expires = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    cookie = SetCookie("id", "v", max_age=60, expires=expires, domain="x.com", secure=True,
                       http_only=True, same_site="Lax", partitioned=True)  # fmt: skip
    assert str(cookie) == (
        "id=v; Max-Age=60; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Path=/; Domain=x.com; "
        "Secure; HttpOnly; SameSite=Lax; Partitioned"
    )
    r = Response()
    r.delete_cookie("id")
    assert r.cookies[0].startswith("id=; Max-Age=0; Expires=Thu, 01 Jan 1970")


@pytest.mark.parametrize(
    ("name", "value", "attributes", "said"),
    [
        (
            "session",
            "x; Domain=evil.example",
            {},
            "its value 'x; Domain=evil.example' contains ';'",
        ),
        ("session", "x", {"path": "/; HttpOnly"}, "its path '/; HttpOnly' contains ';'"),
        ("session", "x", {"domain": "a.example;"}, "its domain 'a.example;' contains ';'"),
        ("a b", "x", {}, "a cookie's name is a token"),
        ("a=b", "x", {}, "a cookie's name is a token"),
        ("", "x", {}, "a cookie's name is a token"),
    ],
)
def test_a_cookie_that_would_break_its_header_is_refused_where_it_is_made(
    name: str, value: str, attributes: dict[str, Any], said: str
) -> None:
    """A ``;`` ended the value and started an attribute of the sender's choosing (a value
    from user data could set ``Domain`` or drop ``HttpOnly``); a name that is no token
    made a cookie no browser stores."""
    with pytest.raises(ValueError, match=re.escape(said)):
        SetCookie(name, value, **attributes)
    with pytest.raises(ValueError, match=re.escape(said)):
        Response().set_cookie(name, value, **attributes)


def test_a_cookie_value_browsers_take_is_sent_as_given() -> None:
    assert str(SetCookie("prefs", '{"a":1,"b":"x y"}', path=None)) == 'prefs={"a":1,"b":"x y"}'
    assert str(SetCookie("__Host-id", "José")) == "__Host-id=José; Path=/"


async def test_async_client() -> None:
    app = App()

    @app.get("/x")
    async def x() -> str:
        return "y"

    assert (await TestClient(app).send("GET", "/x", source="alb-multi")).text == "y"


def test_text_with_a_lone_surrogate_is_sent_as_a_json_escape() -> None:
    app = App()

    @app.get("/echo")
    def echo(x_q: Annotated[str, Header()]) -> dict[str, str]:
        return {"q": x_q}

    event = http_request("GET", "/echo", headers={"x-q": "x"})
    event["headers"]["x-q"] = "a\ud800b"
    event["requestContext"]["requestId"] = "req-\udfff"
    out = app.handler(event, FakeContext())
    assert out["statusCode"] == 200
    assert out["body"] == '{"q":"a\\ud800b"}'


SOURCES = ("apigw-rest", "apigw-http", "function-url", "alb", "alb-multi")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("media_type", "header"),
    [
        ("text/csv; charset=utf-8", None),
        ("application/json", None),
        ("application/problem+json", None),
        (None, "application/xml"),
        (None, "image/svg+xml"),
    ],
)
def test_utf8_bytes_of_a_text_type_go_out_as_text(
    source: str, media_type: str | None, header: str | None
) -> None:
    app = App()
    body = "día,1\n".encode()

    @app.get("/doc")
    def doc() -> Response:
        headers = {"Content-Type": header} if header else None
        return Response(body, media_type=media_type, headers=headers)

    r = TestClient(app).get("/doc", source=source)
    assert r.raw["isBase64Encoded"] is False and r.raw["body"] == "día,1\n"
    assert r.content == body


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("body", "media_type"),
    [(b"\x89PNG\r\n", "image/png"), (b"caf\xe9", "text/plain"), (b"abc", None)],
)
def test_binary_types_and_bytes_that_are_not_utf8_stay_base64(
    source: str, body: bytes, media_type: str | None
) -> None:
    app = App()

    @app.get("/blob")
    def blob() -> Response:
        return Response(body, media_type=media_type)

    r = TestClient(app).get("/blob", source=source)
    assert r.raw["isBase64Encoded"] is True and r.content == body


@given(body=st.binary(max_size=64), media_type=st.sampled_from(["text/plain", "image/png", None]))
def test_bytes_reach_the_client_unchanged_whatever_the_encoding(
    body: bytes, media_type: str | None
) -> None:
    rendered = render_http("v2", None, Response(body, media_type=media_type))
    text = rendered["body"]
    sent = base64.b64decode(text) if rendered["isBase64Encoded"] else text.encode()
    assert sent == body


@pytest.mark.parametrize("status", [204, 304, 101])
@pytest.mark.parametrize("wire", ["rest", "v2", "alb"])
@pytest.mark.parametrize(
    "body", [{"a": 1}, "text", b"\x00\xff", None], ids=["json", "str", "bytes", "none"]
)
def test_a_status_without_a_body_sends_none(status: int, wire: Any, body: Any) -> None:
    """1xx, 204 and 304 answers have no body (RFC 9110): one given is not sent, nor the
    content type it would have had; the headers given stay (an ETag on a 304)."""
    event = _Alb(multi_value=False) if wire == "alb" else None
    given = Response(body, status=status, headers={"ETag": '"v1"'}, media_type="text/html")
    out = render_http(wire, event, given)
    assert (out["body"], out["isBase64Encoded"]) == ("", False)
    headers = {name.lower(): value for name, value in out["headers"].items()}
    assert headers == {"etag": '"v1"'}
    declared = Response(body, status=status, headers={"Content-Type": "image/png"})
    kept = render_http(wire, event, declared)["headers"]  # a header given is the author's
    assert {name.lower(): value for name, value in kept.items()} == {"content-type": "image/png"}


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_http_exceptions_and_middleware_answering_204_or_304_send_no_body(source: Any) -> None:
    app = App()

    @app.middleware
    async def wrap(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        if request.path == "/wrapped":
            response.body = {"wrapped": response.body}
        return response

    @app.get("/not-modified")
    def not_modified() -> None:
        raise HTTPException(304, headers={"ETag": '"v1"'})

    @app.delete("/wrapped")
    def deleted() -> None:
        return None

    client = TestClient(app, source=source)
    r = client.get("/not-modified")
    assert (r.status, r.content, r.headers.get("etag")) == (304, b"", '"v1"')
    assert "content-type" not in r.headers
    r = client.delete("/wrapped")
    assert (r.status, r.content) == (204, b"")
    assert "content-type" not in r.headers


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "alb", "alb-multi"])
def test_cookies_given_as_a_mapping_or_one_string_are_sent_whole(source: Any) -> None:
    """``cookies={"session": "abc"}`` sent ``Set-Cookie: session`` (a dict iterated is its
    names), and ``cookies="a=1"`` one cookie per character."""
    app = App()

    @app.get("/mapping")
    def mapping() -> Response:
        return Response("x", cookies={"session": "abc", "theme": "dark"})

    @app.get("/one")
    def one() -> Response:
        return Response("x", cookies="a=1; HttpOnly")

    @app.get("/nameless")
    def nameless() -> Response:
        return Response("x", cookies=["session"])

    client = TestClient(app, source=source)
    assert client.get("/mapping").cookies == ["session=abc; Path=/", "theme=dark; Path=/"]
    assert client.get("/one").cookies == ["a=1; HttpOnly"]
    with capture_logs() as logs:
        assert client.get("/nameless").status == 500
    [entry] = [e for e in logs if e["log_level"] == "error"]
    assert "a Set-Cookie value is name=value[; attributes], not 'session'" in entry["error"]
