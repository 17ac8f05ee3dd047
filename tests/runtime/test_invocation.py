"""One invocation's context and run (lambent.runtime._invocation): the context built from
the ``/next`` headers and the environment with awslambdaric's attributes and types, and
what an invocation asks to post (its response, or the error in awslambdaric's shape)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from lambent.runtime._faults import Fault
from lambent.runtime._invocation import (
    BASE,
    ERROR_TYPE,
    REQUEST_ID,
    TRACE_VAR,
    build_context,
    init_error_post,
    run_invocation,
)

HEADERS = {
    "lambda-runtime-aws-request-id": "req-1",
    "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:f",
    "lambda-runtime-trace-id": "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e9;Sampled=1",
    "lambda-runtime-client-context": json.dumps(
        {
            "client": {"app_title": "shop", "installation_id": "i-1"},
            "custom": {"k": "v"},
            "env": {"os": "x"},
        }
    ),
    "lambda-runtime-cognito-identity": json.dumps({"cognitoIdentityId": "id-1"}),
}


def test_the_context_has_awslambdarics_attributes_and_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "f")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    deadline = str(int(time.time() * 1000) + 60_000)  # now: the module loads long before
    context = build_context({**HEADERS, "lambda-runtime-deadline-ms": deadline})
    assert (context.aws_request_id, context.function_name) == ("req-1", "f")
    assert context.memory_limit_in_mb == "512"  # a string, as awslambdaric has it
    assert context.invoked_function_arn.endswith(":function:f")
    assert 55_000 < context.get_remaining_time_in_millis() <= 60_000
    assert context.client_context is not None and context.client_context.client is not None
    assert context.client_context.client.app_title == "shop"
    assert context.client_context.client.app_version_code is None
    assert (context.client_context.custom, context.client_context.env) == ({"k": "v"}, {"os": "x"})
    assert context.identity.cognito_identity_id == "id-1"
    assert context.identity.cognito_identity_pool_id is None
    assert context.tenant_id is None


def test_without_optional_headers_identity_is_there_and_empty_and_time_never_negative() -> None:
    context = build_context({"lambda-runtime-deadline-ms": "1000"})
    assert context.client_context is None and context.identity.cognito_identity_id is None
    assert context.get_remaining_time_in_millis() == 0 and context.aws_request_id == ""


def test_context_w3c_and_log_as_awslambdarics(capsys: pytest.CaptureFixture[str]) -> None:
    sent = {"w3c": {"traceparent": "00-ab-cd-01", "baggage": ["no"], "extra": "x"}}
    context = build_context({"lambda-runtime-client-context": json.dumps(sent)})
    assert context.w3c() == {"traceparent": "00-ab-cd-01"}  # text fields of its allowlist
    context.w3c()["traceparent"] = "changed"  # a copy each time
    assert context.w3c() == {"traceparent": "00-ab-cd-01"}
    assert build_context({}).w3c() == {}
    context.log({"n": 1})  # any value, as its str (a TypeError out of write() before)
    context.log(2.5)
    assert capsys.readouterr().out == "{'n': 1}2.5"


def test_a_context_header_that_is_not_json_is_the_runtimes_fault() -> None:
    with pytest.raises(Fault) as info:
        build_context({"lambda-runtime-client-context": "{nope"})
    assert info.value.error_type == "Runtime.LambdaContextUnmarshalError"
    assert "Client Context" in info.value.message


class Echo:
    """A target answering with the body, the request id it ran under and the trace id."""

    async def invoke(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes, str]:
        if body == b"fail":
            raise ValueError("asked to fail")
        seen = {"body": body.decode(), "id": REQUEST_ID.get(), "trace": os.environ.get(TRACE_VAR),
                "ctx": context.aws_request_id}  # fmt: skip
        return json.dumps(seen).encode(), "application/json"


async def test_a_run_posts_its_response_under_the_request_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TRACE_VAR, "stale")  # restored after the test, whatever runs set
    post = await run_invocation(Echo(), HEADERS, b"hi")
    assert post.path == f"{BASE}/invocation/req-1/response"
    assert post.headers == {"Content-Type": "application/json"}
    assert isinstance(post.body, bytes)
    assert json.loads(post.body) == {
        "body": "hi", "id": "req-1", "trace": HEADERS["lambda-runtime-trace-id"], "ctx": "req-1",
    }  # fmt: skip
    assert REQUEST_ID.get() is None  # reset once the run is over
    untraced = {k: v for k, v in HEADERS.items() if k != "lambda-runtime-trace-id"}
    await run_invocation(Echo(), untraced, b"hi")
    assert TRACE_VAR not in os.environ  # no stale trace id from the invocation before


async def test_a_failed_run_posts_the_error_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRACE_VAR, "stale")  # restored after the test
    post = await run_invocation(Echo(), HEADERS, b"fail")
    assert post.path == f"{BASE}/invocation/req-1/error"
    assert isinstance(post.body, bytes)
    doc = json.loads(post.body)
    assert (doc["errorType"], doc["errorMessage"], doc["requestId"]) == (
        "ValueError",
        "asked to fail",
        "req-1",
    )
    assert any("invoke" in line for line in doc["stackTrace"])  # the target's frame, kept
    capsys.readouterr()


def test_an_init_error_names_its_type_in_a_header(capsys: pytest.CaptureFixture[str]) -> None:
    post = init_error_post(ImportError("no module named shop"))
    assert post.path == f"{BASE}/init/error" and post.headers[ERROR_TYPE] == "ImportError"
    assert (
        isinstance(post.body, bytes)
        and json.loads(post.body)["errorMessage"] == "no module named shop"
    )
    assert capsys.readouterr().out.startswith("LAMBDA_WARNING: Unhandled exception.")
