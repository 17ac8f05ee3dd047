"""The context in-process handlers receive (lambent._local.context): the Python runtime's
``LambdaContext`` attributes and types, and the ``X-Amz-Client-Context`` header check."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent._local.context import LocalContext, decode_client_context
from lambent._local.errors import ServiceError
from lambent._local.model import CLIENT_CONTEXT_LIMIT


def _context(**options: str | None) -> LocalContext:
    return LocalContext.build(
        request_id="req-1", function_name="orders", version="$LATEST",
        invoked_arn="arn:aws:lambda:us-east-1:123456789012:function:orders", memory_mb=128,
        log_group="/aws/lambda/orders", log_stream="2024/01/01/[$LATEST]abc",
        deadline_ms=int(time.time() * 1000) + 3000, **options,
    )  # fmt: skip


def test_the_context_has_the_runtimes_attributes_and_types() -> None:
    context = _context(
        client_context=json.dumps(
            {"client": {"app_title": "shop", "unknown": 1}, "custom": {"a": 1}}
        ),
        cognito_identity=json.dumps({"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "p"}),
    )
    assert context.memory_limit_in_mb == "128"  # a string, as in Lambda
    assert 0 < context.get_remaining_time_in_millis() <= 3000
    assert context.client_context is not None and context.client_context.client is not None
    assert context.client_context.client.app_title == "shop"  # unknown client keys dropped
    assert context.client_context.custom == {"a": 1} and context.client_context.env is None
    assert (context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id) == (
        "id-1",
        "p",
    )


def test_without_the_headers_identity_is_empty_and_there_is_no_client_context() -> None:
    context = _context()
    assert context.client_context is None and context.identity.cognito_identity_id is None
    assert _context(client_context="[1, 2]").client_context is None


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4))
def test_a_base64_json_object_decodes_to_its_text(doc: dict[str, object]) -> None:
    text = json.dumps(doc)
    assert decode_client_context(base64.b64encode(text.encode()).decode()) == text


@pytest.mark.parametrize(
    "header",
    [
        "not base64!",
        base64.b64encode(b"{nope").decode(),
        base64.b64encode(b"\xff").decode(),
        # JSON, but no object: the function would get no client_context, silently
        base64.b64encode(b"[1]").decode(),
        base64.b64encode(b'"ctx"').decode(),
        base64.b64encode(b"null").decode(),
    ],
)
def test_a_header_that_is_not_base64_json_is_400(header: str) -> None:
    with pytest.raises(ServiceError) as info:
        decode_client_context(header)
    assert (info.value.status, info.value.code) == (400, "InvalidRequestContentException")


def test_an_absent_header_is_none_and_an_oversized_one_is_refused() -> None:
    assert decode_client_context(None) is None and decode_client_context("") is None
    with pytest.raises(ServiceError, match=f"at most {CLIENT_CONTEXT_LIMIT} bytes") as info:
        decode_client_context("A" * (CLIENT_CONTEXT_LIMIT + 4))
    assert info.value.code == "InvalidParameterValueException"
