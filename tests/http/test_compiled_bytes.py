"""Compiled HTTP routes answer from the invocation's bytes (``compile_http_both``'s
``from_bytes``, the ``lean_bytes`` fast path, as ``lambent.runtime``'s ``AppTarget``
runs it) as the general path answers the same bytes: status, headers, body, and the
runtime's faults; and they take the bytes of HTTP API requests where the compiled
answer takes the event, leaving every other source's to the full decoding."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import MISS, Pending, general_path
from lambent._runtime import LoopOwner, run_loop_free
from lambent.http._compiled import compile_http_both
from lambent.runtime._target import AppTarget
from lambent.testing import FakeContext, http_request
from tests import corpus
from tests.http.test_compiled import (
    KINDS,
    ORDER,
    REQUESTS,
    SOURCES,
    _event,
    conversions,
    counting_app,
    make_app,
)
from tests.http.test_fast import web_routes

_LOOP = LoopOwner()


@pytest.fixture(scope="module", autouse=True)
def _loop_closed() -> Iterator[None]:
    yield
    _LOOP.close()


def _invoke(app: App, body: bytes) -> Any:
    target = AppTarget(app)
    context = FakeContext(aws_request_id="req-1")
    try:
        # as the runtime runs it: stepped without a loop when the app needs none
        run = run_loop_free if app._needs_no_loop() else _LOOP.run
        payload, content_type = run(target.invoke(body, "application/json", context))
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    assert isinstance(payload, bytes)
    return json.loads(payload), content_type


def _both(body: bytes) -> tuple[Any, Any]:
    app = make_app()
    _invoke(app, json.dumps(http_request("GET", "/orders/new")).encode())  # started
    compiled = _invoke(app, body)
    with general_path():
        general = _invoke(make_app(), body)
    return compiled, general


def _taken(body: bytes) -> bool:
    app = make_app()
    app.handler(http_request("GET", "/orders/new"), FakeContext())  # frozen
    both = compile_http_both(app, web_routes(app))
    assert both is not None and both[1] is not None
    out = both[1](body, FakeContext(aws_request_id="req-1"))
    if isinstance(out, Pending):
        out.awaitable.close()
    return out is not MISS


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("method", "path", "route", "options", "taken"),
    REQUESTS,
    ids=[f"{m} {p} ({r})" for m, p, r, _, _ in REQUESTS],
)
def test_bytes_answer_as_the_general_path(
    source: Any, method: str, path: str, route: str | None, options: dict[str, Any], taken: bool
) -> None:
    body = json.dumps(_event(method, path, source, route, **options)).encode()
    compiled, general = _both(body)
    assert compiled == general
    assert isinstance(compiled[0], dict)
    # the HTTP API requests the compiled answer takes as events, and only those
    assert _taken(body) is (taken and source == "apigw-http")


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("GET", "/orders/ord-1", {}),
        ("PUT", "/orders/ord-1", {"json": ORDER}),
        ("GET", "/orders/o/lines/3", {}),
    ],
)
def test_http_api_requests_of_a_matched_route_take_the_bytes_road(
    method: str, path: str, options: dict[str, Any]
) -> None:
    template = "/orders/{order_id}" + ("/lines/{line}" if "lines" in path else "")
    body = json.dumps(_event(method, path, "apigw-http", template, **options)).encode()
    assert _taken(body)
    for source in ("function-url", "apigw-rest"):
        other = json.dumps(_event(method, path, source, template, **options)).encode()
        assert not _taken(other)


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1, 2]", b'{"version": "2.0"}', b'{"Records": []}', b'  {"a": 1}'],
    ids=["not json", "array", "not a request", "record shape", "spaced"],
)
def test_what_is_not_a_request_answers_as_the_general_path(body: bytes) -> None:
    compiled, general = _both(body)
    assert compiled == general


def test_errors_carry_the_request_id_as_in_general() -> None:
    for method, path, options in (
        ("GET", "/answers/value", {}),  # 500
        ("PUT", "/orders/o", {"json": {"sku": 1}}),  # 422
        ("DELETE", "/orders/o", {}),  # 405
        ("GET", "/nowhere", {}),  # 404
    ):
        event = http_request(method, path, source="apigw-http", json=options.get("json"), seed=2)
        compiled, general = _both(json.dumps(event).encode())
        assert compiled == general
        assert compiled[0]["statusCode"] >= 400


@settings(max_examples=120, deadline=None)
@given(
    segments=st.lists(
        st.sampled_from(["orders", "new", "o1", "lines", "3", "a%2Fb", ""]), max_size=4
    ),
    hint=st.sampled_from(["/orders/{order_id}", "/orders/new", "/files/{path+}", "$default"]),
    method=st.sampled_from(["GET", "PUT"]),
    extra=st.sampled_from([{}, {"Records": 1}, {"routeArn": "a", "type": "REQUEST"}]),
)
def test_any_request_answers_as_the_general_path(
    segments: list[str], hint: str, method: str, extra: dict[str, Any]
) -> None:
    options: dict[str, Any] = {"json": ORDER} if method == "PUT" else {}
    event = _event(method, "/" + "/".join(segments), "apigw-http", hint, **options)
    event.update(extra)
    compiled, general = _both(json.dumps(event).encode())
    assert compiled == general


@pytest.mark.parametrize("row", corpus.params(*KINDS))
def test_any_events_bytes_to_an_http_only_app_get_the_general_paths_answer(
    row: corpus.Row | None,
) -> None:
    if row is None:
        corpus.require()
        return
    compiled, general = _both(row.raw())
    assert compiled == general


def _lean_bytes_off() -> Any:
    """The ``lean_bytes`` fast path off for the block: the bytes go to the full decoding."""
    from contextlib import contextmanager

    from lambent._fast import FAST

    @contextmanager
    def off() -> Iterator[None]:
        FAST.lean_bytes = False
        try:
            yield
        finally:
            del FAST.lean_bytes  # back to the class default

    return off()


@pytest.mark.parametrize("number", [b"1e999", b"-1.8e308", b"1" * 400 + b".5"])
@pytest.mark.parametrize("where", [b'"headers": {', b'"requestContext": {'])
@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("GET", "/orders/ord-1", {}),  # answered by the compiled route
        ("PUT", "/orders/ord-1", {"json": ORDER}),
        ("GET", "/answers/none", {}),  # finished by the router
        ("GET", "/nowhere", {}),  # 404
    ],
)
def test_a_number_beyond_a_floats_range_where_the_lean_view_skips_answers_alike(
    number: bytes, where: bytes, method: str, path: str, options: dict[str, Any]
) -> None:
    """msgspec refuses such a number and the lean view of the bytes skips it: both roads
    answer as the app answers what ``json.loads`` reads of the bytes (awslambdaric's
    reading), never an unmarshal error on one road and an answer on the other."""
    event = http_request(method, path, source="apigw-http", json=options.get("json"), seed=3)
    plain = json.dumps(event).encode()
    body = plain.replace(where, where + b'"x-n": ' + number + b", ", 1)
    assert body != plain

    def started() -> App:
        app = make_app()
        _invoke(app, plain)
        return app

    lean = _invoke(started(), body)
    with _lean_bytes_off():
        full = _invoke(started(), body)
    read = json.loads(body)
    app = started()
    as_dict = app.handler(read, FakeContext(aws_request_id="req-1"))
    assert lean == full
    assert lean[0] == json.loads(json.dumps(as_dict))
    assert isinstance(lean[0], dict) and "statusCode" in lean[0]


@pytest.mark.parametrize("qty", [0, 1, 2])
def test_a_body_type_runs_once_a_request_from_the_bytes(qty: int) -> None:
    """An HTTP API request's body type converted once on the bytes road, as in general."""
    event = _event("PUT", "/counted/o1", "apigw-http", "/counted/{order_id}", json={"qty": qty})
    body = json.dumps(event).encode()
    answers = []
    for road in (contextlib.nullcontext, general_path):
        app = counting_app()
        _invoke(app, json.dumps(http_request("GET", "/none")).encode())  # started
        conversions.clear()
        with road():
            answers.append(_invoke(app, body))
        assert conversions == [qty]
    assert answers[0] == answers[1]
    assert answers[0][0]["statusCode"] == {0: 200, 1: 422, 2: 500}[qty]


def test_a_named_stage_s_request_reaches_its_route_on_every_road() -> None:
    """An HTTP API's stage ``dev`` is served under ``/dev``, which ``rawPath`` keeps and the
    routes do not have: the bytes, the event and the general path all route without it."""
    event = http_request("GET", "/orders/ord-1", stage="dev", route="/orders/{order_id}")
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/dev/orders/ord-1"
    body = json.dumps(event).encode()
    assert _taken(body)
    compiled, general = _both(body)
    assert compiled == general
    assert compiled[0]["statusCode"] == 200
    assert json.loads(compiled[0]["body"]) == {"route": "get", "order_id": "ord-1"}
