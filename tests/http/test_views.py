"""The request views every HTTP source adapts its event to (lambent.http._views):
multi-valued query and header mappings, cookies and bodies; the mappings checked
against a plain list of pairs."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.http._views import Headers, QueryParams, body_payload, decode_body, parse_cookies

names = st.text("abcXYZ-_", min_size=1, max_size=4)
pairs = st.lists(st.tuples(names, st.text(max_size=5)), max_size=12)


@given(pairs)
def test_query_params_read_like_the_list_of_pairs(items: list[tuple[str, str]]) -> None:
    query = QueryParams(items)
    keys = list(dict.fromkeys(k for k, _ in items))
    assert list(query) == keys and len(query) == len(keys)
    for key in keys:
        values = [v for k, v in items if k == key]
        assert query.get_all(key) == values and query[key] == values[-1]
    assert sorted(query.multi_items()) == sorted(items)
    assert query.get_all("absent!") == [] and "absent!" not in query
    assert 1 not in query  # type: ignore[comparison-overlap]  # a key of another type: absent


@given(pairs)
def test_headers_are_the_same_with_names_lowercased(items: list[tuple[str, str]]) -> None:
    headers = Headers(items)
    lowered = QueryParams((k.lower(), v) for k, v in items)
    assert list(headers) == list(lowered)
    for key, _ in items:
        assert headers.get_all(key.upper()) == lowered.get_all(key.lower())
        assert key.swapcase() in headers


def test_from_maps_prefers_the_multi_value_entry_and_drops_nones() -> None:
    query = QueryParams.from_maps(
        {"a": "last", "b": "2", "c": None}, {"a": ["1", None, "last"], "d": None}
    )
    assert query.multi_items() == [("a", "1"), ("a", "last"), ("b", "2")]
    headers = Headers.from_maps({"X-Tag": "b"}, {"x-tag": ["a", "b"]})
    assert headers.get_all("X-TAG") == ["a", "b"]  # one header, named in two cases
    assert QueryParams.from_maps(None, None).multi_items() == []


maybe = st.one_of(st.none(), st.text("ab", max_size=2))
singles = st.one_of(st.none(), st.dictionaries(names, maybe, max_size=6))
multis = st.one_of(
    st.none(), st.dictionaries(names, st.one_of(st.none(), st.lists(maybe, max_size=3)), max_size=6)
)


@given(singles, multis, st.sampled_from([QueryParams, Headers]))
def test_from_maps_reads_as_the_merged_pairs_would(
    single: dict[str, str | None] | None,
    multi: dict[str, list[str | None] | None] | None,
    kind: type[QueryParams],
) -> None:
    """Built in one pass, the index is the one the maps' merged pairs give: the multi-value
    map's, then the single map's for the names it lacks (compared as the kind compares
    names), ``None`` values left out."""
    norm = str.lower if kind is Headers else str
    merged = [(k, v) for k, values in (multi or {}).items() for v in values or () if v is not None]
    taken = {norm(k) for k in multi or {}}
    merged += [(k, v) for k, v in (single or {}).items() if v is not None and norm(k) not in taken]
    built = kind.from_maps(single, multi)
    reference = kind(merged)
    assert built.multi_items() == reference.multi_items()
    assert list(built) == list(reference)


def test_from_maps_unquotes_when_asked_as_alb_needs() -> None:
    encoded = QueryParams.from_maps({"q%20x": "a+b%26c"}, None, unquote=True)
    assert encoded["q x"] == "a b&c"
    assert QueryParams.from_maps({"q": "a+b"}, None)["q"] == "a+b"


def test_parse_keeps_blank_values_and_order() -> None:
    query = QueryParams.parse("?x=1&y=&x=2&z=%2F")
    assert query.multi_items() == [("x", "1"), ("x", "2"), ("y", ""), ("z", "/")]
    assert repr(QueryParams([("a", "1")])) == "QueryParams([('a', '1')])"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a=1; b=2"], {"a": "1", "b": "2"}),
        (["a=1", "a=2"], {"a": "2"}),  # a later duplicate wins
        (['s="quoted value"'], {"s": "quoted value"}),
        (["lonely"], {"": "lonely"}),  # a pair without "=" has an empty name
        (["  ;; x = y ;"], {"x": "y"}),
        ([], {}),
    ],
)
def test_parse_cookies(values: list[str], expected: dict[str, str]) -> None:
    assert parse_cookies(values) == expected


@given(st.binary(max_size=64))
def test_a_base64_body_decodes_to_its_bytes(data: bytes) -> None:
    text = base64.b64encode(data).decode()
    assert decode_body(text, True) == data
    assert body_payload(text, True) == data


@given(st.text(max_size=32))
def test_a_text_body_is_its_utf8_and_the_payload_is_the_text_itself(text: str) -> None:
    assert decode_body(text, False) == text.encode()
    assert body_payload(text, False) is text or (text == "" and body_payload(text, False) == "")


def test_bodies_absent_or_wrongly_flagged() -> None:
    assert decode_body(None, True) == b"" and decode_body("", False) == b""
    assert body_payload(None, False) == ""
    assert decode_body("not base64!", True) == b"not base64!"  # taken as text, leniently
