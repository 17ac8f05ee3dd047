"""What one invocation runs (lambent.runtime._target): invocation bytes in, response bytes
out, for a plain function and for an App; bad bytes and unencodable results told as the
runtime's faults."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App, EventDecodeError
from lambent._fast import general_path
from lambent.runtime._faults import Fault
from lambent.runtime._target import (
    AppTarget,
    FunctionTarget,
    decode_payload,
    encode_result,
    target_for,
)
from lambent.testing import FakeContext
from tests.test_handler import COMPARED, answer_both_ways, compared_roads, context_with

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(json_values)
def test_payloads_and_results_round_trip_as_json(value: Any) -> None:
    body, content_type = encode_result(value)
    assert content_type == "application/json" and decode_payload(body) == value


def test_what_msgspec_refuses_the_standard_library_may_still_read_or_write() -> None:
    assert decode_payload(b"[123456789012345678901234567890]") == [123456789012345678901234567890]
    assert json.loads(encode_result({"big": 2**70, "price": Decimal("1.50")})[0]) == {
        "big": 2**70, "price": 1.5,
    }  # fmt: skip
    assert encode_result(b"\x00raw") == (b"\x00raw", "application/unknown")


def test_bad_bytes_and_unencodable_results_are_the_runtimes_faults() -> None:
    with pytest.raises(Fault) as bad:
        decode_payload(b"{nope")
    assert bad.value.error_type == "Runtime.UnmarshalError" and "b'{nope'" in bad.value.message
    with pytest.raises(Fault) as odd:
        encode_result({"when": object()})
    assert odd.value.error_type == "Runtime.MarshalError"
    assert odd.value.message.startswith("Unable to marshal response: ")


def test_nan_and_infinities_are_written_as_awslambdaric_writes_them() -> None:
    # msgspec wrote null for each: the caller's float became None (awslambdaric, whose
    # simplejson allows them, writes NaN, Infinity and -Infinity)
    nan, inf = float("nan"), float("inf")
    body, content_type = encode_result({"a": [nan, (inf, -inf)], "b": None, "c": 0.5})
    assert content_type == "application/json"
    assert body == b'{"a": [NaN, [Infinity, -Infinity]], "b": null, "c": 0.5}'
    assert json.loads(body, parse_constant=str) == {
        "a": ["NaN", ["Infinity", "-Infinity"]], "b": None, "c": 0.5,
    }  # fmt: skip
    assert encode_result({"b": None, "c": 0.5}) == (b'{"b":null,"c":0.5}', "application/json")
    # beside what only msgspec writes, msgspec's answer stands (null for the NaN)
    when = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
    assert encode_result([nan, when])[0] == b'[null,"2026-12-02T00:00:00Z"]'


def test_a_result_nested_past_the_recursion_limit_is_a_marshal_error() -> None:
    # a RecursionError out of the encoders was the invocation's error before, its stack
    # trace the runtime's own frames; awslambdaric reports a Runtime.MarshalError
    value: Any = 0
    for _ in range(5000):
        value = [value]
    with pytest.raises(Fault) as deep:
        encode_result(value)
    assert deep.value.error_type == "Runtime.MarshalError"
    assert deep.value.message == (
        "Unable to marshal response: maximum recursion depth exceeded while encoding a JSON object"
    )


def plain(event: Any, context: Any) -> Any:
    return {"event": event, "id": context.aws_request_id}


async def asynchronous(event: Any, context: Any) -> Any:
    return {"async": event}


async def test_function_targets_plain_threaded_and_async() -> None:
    context = FakeContext()
    for target, expected in [
        (FunctionTarget(plain, threaded=False), {"event": {"n": 1}, "id": context.aws_request_id}),
        (FunctionTarget(plain, threaded=True), {"event": {"n": 1}, "id": context.aws_request_id}),
        (FunctionTarget(asynchronous, threaded=True), {"async": {"n": 1}}),
    ]:
        body, content_type = await target.invoke(b'{"n": 1}', None, context)
        assert content_type == "application/json"
        assert isinstance(body, bytes) and json.loads(body) == expected
    assert FunctionTarget(plain, threaded=False).start_sync()
    assert not FunctionTarget(plain, threaded=True).start_sync()
    assert not FunctionTarget(asynchronous, threaded=False).start_sync()


class _AsyncCall:
    async def __call__(self, event: Any, context: Any) -> Any:
        return {"called": event}


async def test_an_instance_with_an_async_call_or_a_partial_of_one_is_awaited() -> None:
    # the instance's coroutine was the result: a Runtime.MarshalError, never awaited
    context = FakeContext()
    for function, expected in [
        (_AsyncCall(), {"called": {"n": 1}}),
        (functools.partial(asynchronous), {"async": {"n": 1}}),
    ]:
        target = FunctionTarget(function, threaded=False)
        assert not target.start_sync()  # the event loop's, to await it
        body, _ = await target.invoke(b'{"n": 1}', None, context)
        assert isinstance(body, bytes) and json.loads(body) == expected


async def test_an_app_target_dispatches_json_and_refuses_scalars() -> None:
    app = App()

    @app.invoke()
    def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return {"echo": payload}

    target = target_for(app.handler, 1)
    assert isinstance(target, AppTarget) and isinstance(target_for(app, 4), AppTarget)
    body, content_type = await target.invoke(b' {"n": 1}', None, FakeContext())
    assert content_type == "application/json"
    assert isinstance(body, bytes) and json.loads(body) == {"echo": {"n": 1}}
    for scalar, kind in [(b"42", "int"), (b"null", "null"), (b'"text"', "str")]:
        with pytest.raises(
            Fault,
            match=f"takes a JSON object or array, and the invocation payload is a JSON {kind}",
        ):
            await target.invoke(scalar, None, FakeContext())
    with pytest.raises(Fault) as info:
        await target.invoke(b"{broken", None, FakeContext())
    assert info.value.error_type == "Runtime.UnmarshalError"


def test_target_for_a_plain_function_and_what_is_not_callable() -> None:
    assert isinstance(target_for(plain, 1), FunctionTarget)
    assert target_for(plain, 2).start_sync() is False  # threaded with concurrency
    with pytest.raises(Fault, match="is not callable") as info:
        target_for(42, 1)
    assert info.value.error_type == "Runtime.HandlerNotFound"


def _outcome(run: Any, *args: Any) -> Any:
    """What ``run(*args)`` answers: its response, or its error's type and message."""
    try:
        body, content_type = run(*args)
    except Exception as error:
        return type(error).__name__, str(error)
    assert isinstance(body, bytes)
    return body, content_type


def _stepped(target: Any) -> Any:
    """``target.invoke`` stepped to its end as the loop-free loop stepped it before."""
    from lambent._runtime import run_loop_free

    return lambda *args: run_loop_free(target.invoke(*args))


def test_invoke_now_answers_as_the_stepped_invoke_for_every_kind_of_invocation() -> None:
    from lambent._fast import general_path
    from lambent.testing import http_request

    app = App()

    @app.get("/orders/{order_id}")
    def order(order_id: str) -> dict[str, Any]:
        return {"id": order_id}

    @app.put("/orders/{order_id}")
    def put(order_id: str, body: dict[str, int]) -> dict[str, Any]:
        if body.get("n") == 0:
            raise ValueError("no zero")
        return {"id": order_id, **body}

    target = AppTarget(app)
    assert target.start_sync()  # every handler plain: the loop-free loop serves it
    bodies = [
        json.dumps(http_request("GET", "/orders/o-1", route="/orders/{order_id}", seed=1)),
        json.dumps(http_request("PUT", "/orders/o-2", json={"n": 3}, seed=2)),
        json.dumps(http_request("PUT", "/orders/o-3", json={"n": 0}, seed=3)),  # a 500
        json.dumps(http_request("PUT", "/orders/o-4", body="{nope", seed=4)),  # a 400
        json.dumps(http_request("GET", "/nowhere", seed=5)),  # a 404
        json.dumps(http_request("GET", "/orders/o-6", seed=6)) + " " * 300_000,  # not small
        "42",
        "{broken",
    ]
    for text in bodies:
        body = text.encode()
        for content_type in (None, "application/json", "application/octet-stream"):
            context = FakeContext(aws_request_id="req-1", timeout=60)
            args = (body, content_type, context)
            now = _outcome(target.invoke_now, *args)
            stepped = _outcome(_stepped(target), *args)
            with general_path():
                general = _outcome(target.invoke_now, *args)
            assert now == stepped == general, (text[:60], content_type)
    target.stop_sync()


def test_a_plain_function_targets_invoke_now_calls_it_straight() -> None:
    context = FakeContext(aws_request_id="req-2")
    for function in (plain, asynchronous):
        target = FunctionTarget(function, threaded=False)
        for body in (b'{"n": 1}', b"{nope"):
            now = _outcome(target.invoke_now, body, None, context)
            assert now == _outcome(_stepped(target), body, None, context)


def test_invoke_now_answers_batches_of_a_learned_queue_as_the_stepped_invoke() -> None:
    """Batches of the queue the last one came from are decoded with the learned type
    straight from ``invoke_now`` (``learned_keys``): the same answers as the stepped
    invoke and the general path, for batches of that queue and of others."""
    from lambent._fast import general_path
    from lambent.testing import sqs_event

    app = App()

    @app.sqs()
    def take(order: dict[str, int]) -> None:
        if order["n"] < 0:
            raise ValueError("negative")

    target = AppTarget(app)
    assert target.start_sync()
    general_app = App()
    general_app.sqs()(take)
    events = [
        sqs_event({"n": 1}, {"n": -1}, "not json", queue="orders", seed=1),
        sqs_event({"n": 2}, {"n": 3}, queue="orders", seed=2),
        sqs_event({"n": -2}, queue="other", seed=3),
        sqs_event({"n": 4}, {"n": -4}, queue="orders", seed=4),
        {"Records": []},
    ]
    for event in events:
        body = json.dumps(event).encode()
        for content_type in (None, "application/json", "application/octet-stream"):
            args = (body, content_type, FakeContext(aws_request_id="req-1", timeout=60))
            now = _outcome(target.invoke_now, *args)
            stepped = _outcome(_stepped(target), *args)
            with general_path():  # batches run on an event loop then
                general = _outcome(lambda *a: asyncio.run(AppTarget(general_app).invoke(*a)), *args)
            assert now == stepped == general, (event, content_type)
    target.stop_sync()


def _answer_from_bytes(app: App, body: bytes, context: Any = None) -> Any:
    """What an app target answers for ``body``, as lambent.runtime's loop runs it: straight
    through when the app needs no loop, else on one; the response read back as JSON."""
    target = AppTarget(app)
    context = FakeContext(aws_request_id="r-1") if context is None else context
    if target.start_sync():
        out, content_type = target.invoke_now(body, "application/json", context)
    else:
        out, content_type = asyncio.run(target.invoke(body, "application/json", context))
    assert isinstance(out, bytes)
    return json.loads(out), content_type


@pytest.mark.slow
@compared_roads
@given(**COMPARED, indent=st.sampled_from([None, 1]))
def test_the_bytes_roads_answer_mutated_events_as_the_general_path(
    event: Any,
    mode: str,
    is_async: bool,
    full: bool,
    indent: int | None,
    seconds_left: float | None,
) -> None:
    """Real events of every source, mutated, as invocation bytes (compact or spaced JSON)
    through an app target's fast roads (bytes straight to Structs, the head probe, bare
    and learned batches, compiled HTTP routes from a lean view) and through the general
    path: the same response or fault, the same handler calls, the same log lines."""
    body = json.dumps(event, indent=indent).encode()
    fast, general = answer_both_ways(
        lambda app: _answer_from_bytes(app, body, context_with(seconds_left)),
        mode,
        is_async=is_async,
        full=full,
    )
    assert fast == general


def test_an_unreadable_envelope_field_fails_the_invocation_from_bytes_as_from_dicts() -> None:
    """CloudWatch Logs' ``data`` that is not base64: the event fails naming the field,
    whether the app reads the invocation's bytes straight into Structs or the dicts."""
    calls: list[Any] = []
    event = {"awslogs": {"data": "H4sIAAAAAAAAA*"}}
    answers = []
    for fast in (True, False):
        app = App()

        @app.logs()
        def on_logs(line: str) -> None:
            calls.append(line)

        with contextlib.nullcontext() if fast else general_path():
            with pytest.raises(EventDecodeError) as failed:
                _answer_from_bytes(app, json.dumps(event).encode())
        answers.append(str(failed.value))
    assert answers[0] == answers[1]
    assert "not a valid cloudwatch-logs event" in answers[0] and "$.awslogs.data" in answers[0]
    assert calls == []
