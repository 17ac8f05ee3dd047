"""The two error channels of the local Invoke API (lambent._local.errors): service errors
answered instead of running the function (status, x-amzn-ErrorType, body key spelling),
function-error payloads, and the payload checks (JSON, nesting depth)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent._local import errors


def test_service_errors_spell_their_body_and_headers_as_lambda_does() -> None:
    missing = errors.not_found("arn:aws:lambda:us-east-1:123456789012:function:nope")
    assert missing.status == 404
    assert json.loads(missing.body()) == {
        "Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope",
    }  # fmt: skip
    assert missing.all_headers()["x-amzn-ErrorType"] == "ResourceNotFoundException"
    slow = errors.throttled(3)
    assert (slow.status, slow.all_headers()["Retry-After"]) == (429, "3")
    assert json.loads(slow.body()) == {
        "Type": "User", "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }  # fmt: skip
    down = errors.service_unavailable("stopping")
    assert json.loads(down.body()) == {"Type": "Service", "Message": "stopping"}
    assert errors.invalid_parameter("bad").all_headers() == {
        "x-amzn-ErrorType": "InvalidParameterValueException", "Content-Type": "application/json",
    }  # fmt: skip


def test_too_large_says_which_limit() -> None:
    sync, event = (
        errors.too_large(7_000_000, False, 6_291_456),
        errors.too_large(300_000, True, 262_144),
    )
    assert sync.status == event.status == 413
    assert "smaller than 6291456 bytes for the InvokeFunction operation" in sync.message
    assert (
        event.message
        == "300000 byte payload is too large for the Event invocation type (limit 262144 bytes)"
    )


def test_function_error_payloads() -> None:
    try:
        raise KeyError("sku")
    except KeyError as exc:
        doc = errors.function_error(exc, exc.__traceback__, "req-1")
    assert list(doc) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (doc["errorType"], doc["errorMessage"], doc["requestId"]) == (
        "KeyError",
        "'sku'",
        "req-1",
    )
    assert len(doc["stackTrace"]) == 1
    timeout = errors.timeout_error("req-2", 3)
    assert timeout["errorType"] == "Sandbox.Timedout"
    assert timeout["errorMessage"].endswith(" req-2 Task timed out after 3.00 seconds")
    assert (
        errors.runtime_exit("r", "exit status 1")["errorMessage"]
        == "RequestId: r Error: exit status 1"
    )
    assert errors.response_too_large(10, 5)["errorType"] == "Function.ResponseSizeTooLarge"
    assert errors.encode({"a": "é"}) == '{"a": "é"}'.encode()


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@given(st.integers(0, 300))
def test_nesting_depth_is_counted_exactly(depth: int) -> None:
    assert errors.too_deep(_nested(depth)) is (depth > errors.MAX_JSON_DEPTH)
    assert errors.too_deep(_nested(depth), limit=depth) is False


@pytest.mark.parametrize("body", [b"{nope", b"", b"[" * 300 + b"]" * 300])
def test_payloads_that_are_not_sane_json_are_400(body: bytes) -> None:
    with pytest.raises(errors.ServiceError) as info:
        errors.check_payload(body)
    assert (info.value.status, info.value.code) == (400, "InvalidRequestContentException")
    assert info.value.message.startswith("Could not parse request body into json: ")


def test_sane_payloads_pass() -> None:
    errors.check_payload(json.dumps(_nested(errors.MAX_JSON_DEPTH)).encode())
    errors.check_payload(b'"just a string"')
