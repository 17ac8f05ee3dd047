"""The shared HTTP helpers: Headers, QueryParams, cookies, bodies."""

from __future__ import annotations

import base64

import pytest

from lambent.sources._http import (
    Headers,
    QueryParams,
    body_payload,
    decode_body,
    parse_cookies,
    str_map,
)


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = Headers([("Content-Type", "text/plain"), ("X-Tag", "a"), ("x-tag", "b")])
    assert headers["content-type"] == headers["CONTENT-TYPE"] == "text/plain"
    assert "Content-Type" in headers
    assert "content-type" in headers
    assert headers["X-TAG"] == "b"  # the last value, like AWS's single-value maps
    assert headers.get_all("x-Tag") == ["a", "b"]
    assert headers.get_all("missing") == []
    assert list(headers) == ["content-type", "x-tag"]
    assert len(headers) == 2
    assert headers.get("nope") is None
    assert headers.multi_items() == [("content-type", "text/plain"), ("x-tag", "a"), ("x-tag", "b")]
    assert not headers.__contains__(3)
    assert "x-tag" in repr(headers)


def test_from_maps_multi_value_entry_wins() -> None:
    headers = Headers.from_maps(
        {"Header2": "value2", "Only-Single": "s"}, {"Header2": ["value1", "value2"]}
    )
    assert headers.get_all("header2") == ["value1", "value2"]
    assert headers["only-single"] == "s"
    assert Headers.from_maps(None, None) == {}
    assert Headers.from_maps({"a": None}, {"b": None, "c": ["x", None]}) == {"c": "x"}


def test_query_params_are_case_sensitive() -> None:
    query = QueryParams([("Key", "1"), ("key", "2")])
    assert query["Key"] == "1"
    assert query["key"] == "2"
    assert "KEY" not in query


def test_query_params_parse_keeps_repeats_and_blanks() -> None:
    query = QueryParams.parse("a=1&a=2&b=x%20y&c=&d=e+f")
    assert query.get_all("a") == ["1", "2"]
    assert query["b"] == "x y"
    assert query["c"] == ""
    assert query["d"] == "e f"
    assert QueryParams.parse("?z=1")["z"] == "1"
    assert QueryParams.parse("") == {}


def test_query_params_unquote() -> None:
    query = QueryParams.from_maps({"na%20me": "a%2Bb+c"}, None, unquote=True)
    assert query == {"na me": "a+b c"}


def test_parse_cookies() -> None:
    assert parse_cookies(["a=1; b=2", 'c="3"']) == {"a": "1", "b": "2", "c": "3"}
    assert parse_cookies(["a=1=2"]) == {"a": "1=2"}
    # a pair without "=" is a value with an empty name (what browsers send)
    assert parse_cookies(["bare"]) == {"": "bare"}
    assert parse_cookies([" ; ", ""]) == {}
    assert parse_cookies(["a=1", "a=2"]) == {"a": "2"}


def test_decode_body() -> None:
    assert decode_body(None, False) == b""
    assert decode_body("", True) == b""
    assert decode_body("héllo", False) == "héllo".encode()
    raw = bytes(range(256))
    assert decode_body(base64.b64encode(raw).decode(), True) == raw


@pytest.mark.parametrize("body", ["Hello from Lambda!", "not base64?", "abc"])
def test_decode_body_is_lenient_with_false_base64_flags(body: str) -> None:
    assert decode_body(body, True) == body.encode()


def test_body_payload() -> None:
    assert body_payload('{"a": 1}', False) == '{"a": 1}'
    assert body_payload(base64.b64encode(b'{"a": 1}').decode(), True) == b'{"a": 1}'
    assert body_payload(None, False) == ""


def test_str_map() -> None:
    assert str_map(None) == {}
    assert str_map({"a": "1", "b": None}) == {"a": "1"}
