"""An HTTP API request read from the invocation's bytes (``HttpApiBytes``, ``bytes_line``,
``lambent.sources.line_reader``): a request line only where the registry's detection of
the full event says HTTP API, and then the line :func:`request_line` reads of it."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import sources
from lambent.sources.apigw_http import AHEAD_KEYS, SPECS, request_line
from lambent.testing import http_request
from tests import corpus
from tests.sources._support import REMOVE, certain_agrees, mutated, sharing_ahead

SPEC = SPECS[0]
READ = sources.line_reader(SPEC)


def _read(body: bytes) -> Any:
    assert READ is not None
    return READ(body)


def _agrees(body: bytes) -> Any:
    """The reader's line of ``body``; when it gives one, the full event is an HTTP API
    request by the registry and its :func:`request_line` is the same."""
    line = _read(body)
    if line is not None:
        event = msgspec.json.decode(body)
        assert sources.spec_for(event) is SPEC
        assert request_line(event) == line
    return line


@pytest.mark.parametrize("row", corpus.params())
def test_every_corpus_event(row: corpus.Row | None) -> None:
    if row is None:
        corpus.require()
        return
    line = _agrees(row.raw())
    certain = certain_agrees(SPEC, msgspec.json.decode(row.raw()))
    if row.kind == "apigw-http":
        assert line is not None  # real HTTP API requests take the bytes road
        assert certain == line  # and their events the reading that settles detection


def test_the_keys_ahead_are_marked_or_read() -> None:
    """Every source ahead in detection order either claims only events with a key the
    view marks, or shares this source's keys and is one whose detector ``bytes_line``
    answers for (ALB: ``requestContext.elb``; Function URLs: the domain)."""
    assert sharing_ahead("apigw_http", {"rawPath", "requestContext"}) == ["alb", "function_url"]


def _request(**changes: Any) -> dict[str, Any]:
    event = http_request("PUT", "/items/7", source="apigw-http", route="/items/{id}",
                         json={"a": 1}, seed=3)  # fmt: skip
    event.update(changes)
    return event


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "2.0", "1.0", "/x", "a.lambda-url.eu-west-1.on.aws", "TOKEN", "items"]),
    st.just({}),
    st.just({"targetGroupArn": "arn"}),
    st.just({"method": "GET", "path": "/p"}),
    st.just([]),
)
_WHERE = st.sampled_from(
    [
        ("version",),
        ("rawPath",),
        ("routeKey",),
        ("body",),
        ("isBase64Encoded",),
        ("requestContext",),
        ("requestContext", "http"),
        ("requestContext", "http", "method"),
        ("requestContext", "http", "path"),
        ("requestContext", "requestId"),
        ("requestContext", "domainName"),
        ("requestContext", "stage"),
        ("requestContext", "elb"),
        ("requestContext", "connectionId"),
        ("requestContext", "eventType"),
        ("type",),
        ("httpMethod",),
        ("resource",),
        ("headers",),
        *((key,) for key in AHEAD_KEYS),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WHERE, st.one_of(_VALUES, st.just(REMOVE))), max_size=3))
def test_changed_requests(changes: list[tuple[tuple[str, ...], Any]]) -> None:
    event = _request()
    for where, value in changes:
        event = mutated(event, where, value)
    line = _agrees(json.dumps(event).encode())
    untouched = not changes
    assert line is not None or not untouched
    assert certain_agrees(SPEC, event) == line  # the event's fields settle it alike


def test_duplicate_keys_read_as_the_full_decoding_reads_them() -> None:
    body = json.dumps(_request()).encode()
    twice = body[:-1] + b', "version": "1.0", "rawPath": "/other"}'
    assert _agrees(twice) is None  # the last version wins: not 2.0
    again = body[:-1] + b', "rawPath": "/other"}'
    line = _agrees(again)
    assert line is not None and line[1] == "/other"


@pytest.mark.parametrize("body", [b"", b"[1]", b"null", b'"x"', b"{", b'{"version": "2.0"}'])
def test_what_is_not_a_request_is_left_to_the_full_decoding(body: bytes) -> None:
    assert _read(body) is None


def _yes(event: Any) -> bool:
    return True


def test_a_user_source_is_asked_first() -> None:
    body = json.dumps(_request()).encode()
    assert _read(body) is not None

    # a user's source that claims every event
    mine = msgspec.structs.replace(SPEC, kind="mine", requires=None, detect=_yes, web=None)
    reader = sources.certain_reader(SPEC)
    assert reader is not None
    sources.register(mine)
    try:
        assert _read(body) is None
        assert reader(_request()) is None
    finally:
        sources.unregister(mine)
    assert _read(body) is not None
    assert reader(_request()) is not None


def test_sources_without_a_bytes_view_have_no_reader() -> None:
    (alb,) = sources.load("alb")
    assert sources.line_reader(alb) is None


_CLAIMED_AHEAD = [
    (("requestContext", "elb"), {"targetGroupArn": "arn:aws:elasticloadbalancing:x"}),
    (("requestContext", "domainName"), "abc.lambda-url.eu-west-1.on.aws"),
    (("type",), "REQUEST"),  # with routeArn below: the 2.0 authorizer payload
]


@pytest.mark.parametrize(("where", "value"), _CLAIMED_AHEAD)
def test_an_event_a_source_ahead_claims_is_left_to_the_full_decoding(
    where: tuple[str, ...], value: Any
) -> None:
    event = mutated(_request(routeArn="arn:aws:execute-api:x"), where, value)
    if where != ("type",):
        event.pop("routeArn")
    assert sources.spec_for(event) is not SPEC
    assert _agrees(json.dumps(event).encode()) is None


@pytest.mark.parametrize("key", AHEAD_KEYS)
def test_a_key_of_a_source_ahead_is_left_to_the_full_decoding(key: str) -> None:
    assert _agrees(json.dumps(_request(**{key: []})).encode()) is None


def test_text_that_is_not_utf8_is_left_to_the_full_decoding() -> None:
    body = json.dumps(_request()).encode()
    bad = body[:-1] + b', "x": "\xff"}'
    assert _read(bad) is None
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(bad)
    accented = body[:-1] + ', "x": "caf\u00e9"}'.encode()
    assert _agrees(accented) is not None
