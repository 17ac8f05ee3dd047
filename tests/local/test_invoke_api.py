"""The Invoke API as boto3's and aiobotocore's own Lambda clients see it (LAMBDA.md §1)."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambent._local.model import RESPONSE_LIMIT, AsyncPolicy
from tests.local.conftest import CLIENT_CONFIG, StartServer, fn, lambda_client

pytestmark = pytest.mark.network
JSON = {"Content-Type": "application/json"}
RESPONSES = "tests.local.apps.responses"


@pytest.fixture
def client(start_server: StartServer) -> Any:
    server = start_server(
        [fn("echo"), fn("fail"), fn("obj", "app"), fn("sleep", timeout=5, concurrency=1)]
    )
    return lambda_client(server.url)


def _headers(response: dict[str, Any]) -> dict[str, str]:
    return dict(response["ResponseMetadata"]["HTTPHeaders"])


def test_request_response_returns_the_result_and_lambda_headers(client: Any) -> None:
    custom = {"custom": {"user": "ada"}, "env": {}, "client": {"app_title": "t"}}
    response = client.invoke(
        FunctionName="echo",
        Payload=json.dumps({"n": 1}),
        ClientContext=base64.b64encode(json.dumps(custom).encode()).decode(),
    )
    body = json.loads(response["Payload"].read())
    headers = _headers(response)
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert headers["x-amzn-requestid"] == body["request_id"]
    assert body["event"] == {"n": 1}
    assert body["custom"] == {"user": "ada"}
    assert body["function_name"] == "echo"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert body["memory_limit_in_mb"] == "128"
    assert body["log_group_name"] == "/aws/lambda/echo"
    assert body["remaining_ok"] is True
    assert "LogResult" not in response


def test_log_tail_is_the_invocations_own_log(client: Any) -> None:
    response = client.invoke(FunctionName="echo", Payload=b"{}", LogType="Tail")
    request_id = _headers(response)["x-amzn-requestid"]
    log = base64.b64decode(response["LogResult"]).decode()
    assert log.startswith(f"START RequestId: {request_id} Version: $LATEST")
    assert f"echo {request_id}\n" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}\tDuration: " in log


def test_failing_function_is_200_with_unhandled(client: Any) -> None:
    response = client.invoke(FunctionName="fail", Payload=b'{"why": "test"}', LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad event: test"
    assert isinstance(error["stackTrace"], list)
    assert "in fail" in error["stackTrace"][-1]
    assert "[ERROR] ValueError: bad event: test" in base64.b64decode(response["LogResult"]).decode()


def test_none_result_and_empty_body(start_server: StartServer) -> None:
    client = lambda_client(start_server([fn("none")]).url)
    response = client.invoke(FunctionName="none")
    assert response["Payload"].read() == b"null"


def test_object_with_handler_and_arn_forms(client: Any) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:obj"
    for name, qualifier in [
        ("obj", None),
        (arn, None),
        (f"{arn}:$LATEST", None),
        ("123456789012:function:obj", "$LATEST"),
        ("obj:$LATEST", "$LATEST"),
    ]:
        extra = {"Qualifier": qualifier} if qualifier else {}
        response = client.invoke(FunctionName=name, Payload=b'{"x": 1}', **extra)
        assert json.loads(response["Payload"].read()) == {"object": True, "event": {"x": 1}}


def test_event_is_202_and_dry_run_is_204_without_running(
    client: Any, start_server: StartServer, tmp_path: Any
) -> None:
    event = {"dir": str(tmp_path), "key": "dry", "fail_times": 0}
    counting = lambda_client(start_server([fn("flaky")]).url)
    dry = counting.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=json.dumps(event))
    assert dry["StatusCode"] == 204
    assert dry["Payload"].read() == b""
    assert _headers(dry)["x-amzn-requestid"]
    queued = client.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")
    assert queued["StatusCode"] == 202
    assert queued["Payload"].read() == b""
    assert _headers(queued)["x-amzn-requestid"]
    time.sleep(0.2)
    assert not (tmp_path / "dry.count").exists()


def _service_error(call: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_service_errors(client: Any) -> None:
    status, code, message = _service_error(lambda: client.invoke(FunctionName="nope"))
    assert (status, code) == (404, "ResourceNotFoundException")
    assert message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    status, code, _ = _service_error(lambda: client.invoke(FunctionName="echo", Payload=b"{no"))
    assert (status, code) == (400, "InvalidRequestContentException")
    big = b'"' + b"x" * 6_291_456 + b'"'
    status, code, message = _service_error(lambda: client.invoke(FunctionName="echo", Payload=big))
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert "6291456" in message
    over_async = b'"' + b"x" * 1_048_576 + b'"'
    status, code, message = _service_error(
        lambda: client.invoke(FunctionName="echo", InvocationType="Event", Payload=over_async)
    )
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert "Event invocation type" in message
    status, code, _ = _service_error(
        lambda: client.invoke(FunctionName="echo", InvocationType="Sometimes")
    )
    assert (status, code) == (400, "InvalidParameterValueException")
    status, code, _ = _service_error(lambda: client.invoke(FunctionName="echo", Qualifier="7"))
    assert (status, code) == (404, "ResourceNotFoundException")
    status, code, _ = _service_error(lambda: client.invoke(FunctionName="echo", Qualifier="a!b"))
    assert (status, code) == (400, "InvalidParameterValueException")
    status, code, _ = _service_error(
        lambda: client.invoke(FunctionName="echo:live", Qualifier="$LATEST")
    )
    assert (status, code) == (400, "InvalidParameterValueException")


def test_error_wire_shape(client: Any) -> None:
    url = client.meta.endpoint_url + "/2015-03-31/functions/nope/invocations"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(
            urllib.request.Request(url, data=b"{}", method="POST", headers=JSON), timeout=5
        )
    assert info.value.code == 404
    assert info.value.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    body = json.loads(info.value.read())
    assert body["Type"] == "User" and body["Message"].startswith("Function not found")
    url = client.meta.endpoint_url + "/2015-03-31/functions/echo/invocations"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(
            urllib.request.Request(url, data=b"[", method="POST", headers=JSON), timeout=5
        )
    assert set(json.loads(info.value.read())) == {"Type", "message"}


def test_concurrency_limit_throttles_with_429(client: Any) -> None:
    first: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: first.update(client.invoke(FunctionName="sleep", Payload=b'{"seconds": 1}'))
    )
    thread.start()
    time.sleep(0.3)
    try:
        status, code, _ = _service_error(
            lambda: client.invoke(FunctionName="sleep", Payload=b'{"seconds": 0}')
        )
    finally:
        thread.join()
    assert (status, code) == (429, "TooManyRequestsException")
    assert json.loads(first["Payload"].read())["slept"] == 1


async def test_aiobotocore_client_all_invocation_types(start_server: StartServer) -> None:
    from aiobotocore.session import get_session

    server = start_server([fn("echo"), fn("fail")])
    session = get_session()
    async with session.create_client(
        "lambda",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=CLIENT_CONFIG,
    ) as client:
        ok = await client.invoke(FunctionName="echo", Payload=b'{"a": 1}')
        assert ok["StatusCode"] == 200
        assert json.loads(await ok["Payload"].read())["event"] == {"a": 1}
        failed = await client.invoke(FunctionName="fail", Payload=b"{}")
        assert failed["FunctionError"] == "Unhandled"
        assert json.loads(await failed["Payload"].read())["errorType"] == "ValueError"
        queued = await client.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")
        assert queued["StatusCode"] == 202
        dry = await client.invoke(FunctionName="echo", InvocationType="DryRun", Payload=b"{}")
        assert dry["StatusCode"] == 204
        with pytest.raises(ClientError) as info:
            await client.invoke(FunctionName="missing", Payload=b"{}")
        assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


# -- §1.5: DryRun validates, answers 204 and never runs the function ------------------


def test_dry_run_validates_the_request_without_running(
    start_server: StartServer, tmp_path: Path
) -> None:
    client = lambda_client(start_server([fn("flaky")]).url)
    event = json.dumps({"dir": str(tmp_path), "key": "dry", "fail_times": 0})
    # LAMBDA.md §1.5: resolve the function (404), check JSON (400) and size (413) ...
    assert _service_error(
        lambda: client.invoke(FunctionName="missing", InvocationType="DryRun", Payload=event)
    )[:2] == (404, "ResourceNotFoundException")
    assert _service_error(
        lambda: client.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=b"{no")
    )[:2] == (400, "InvalidRequestContentException")
    too_big = b'"' + b"x" * 6_291_456 + b'"'
    assert _service_error(
        lambda: client.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=too_big)
    )[:2] == (413, "RequestEntityTooLargeException")
    # ... then 204 with an empty body, the handler not run (moto runs it: do not copy)
    dry = client.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=event)
    assert dry["StatusCode"] == 204
    assert dry["Payload"].read() == b""
    assert "FunctionError" not in dry
    time.sleep(0.1)
    assert not (tmp_path / "dry.count").exists()


# -- §1.2/§1.3: every function failure is 200 + Unhandled, never Handled --------------


def test_every_kind_of_function_failure_is_200_unhandled(start_server: StartServer) -> None:
    server = start_server(
        [
            fn("fail"),
            fn("sleep", timeout=1),
            fn("big", target=f"{RESPONSES}:big"),
            fn("unmarshalable", target=f"{RESPONSES}:unmarshalable"),
        ]
    )
    client = lambda_client(server.url)
    calls = [
        ("fail", {"why": "x"}, "ValueError"),
        ("sleep", {"seconds": 3}, "Sandbox.Timedout"),
        # LAMBDA.md §1.3: a result over the limit becomes Function.ResponseSizeTooLarge
        ("big", {"chars": RESPONSE_LIMIT}, "Function.ResponseSizeTooLarge"),
        ("unmarshalable", {}, "Runtime.MarshalError"),
    ]
    for name, event, error_type in calls:
        response = client.invoke(FunctionName=name, Payload=json.dumps(event))
        assert response["StatusCode"] == 200, name
        assert response["FunctionError"] == "Unhandled", name  # never the legacy "Handled"
        assert json.loads(response["Payload"].read())["errorType"] == error_type, name
    # just under the limit is a normal result
    ok = client.invoke(FunctionName="big", Payload=json.dumps({"chars": RESPONSE_LIMIT - 2}))
    assert "FunctionError" not in ok
    assert len(ok["Payload"].read()) == RESPONSE_LIMIT


# -- §1.1/§0.3: X-Amz-Client-Context limit, sync only -------------------------------------


def _client_context(length: int) -> str:
    """Base64 of a JSON object, exactly ``length`` characters (a multiple of 4)."""
    assert length % 4 == 0
    raw_len = length // 4 * 3
    skeleton = b'{"custom": {"pad": ""}}'
    doc = skeleton.replace(b'""', b'"' + b"p" * (raw_len - len(skeleton)) + b'"')
    text = base64.b64encode(doc).decode()
    assert len(text) == length
    return text


def test_client_context_limit_and_only_for_sync_invocations(
    start_server: StartServer, tmp_path: Path
) -> None:
    policy = AsyncPolicy(time_scale=0.001, on_success=str(tmp_path / "ok.jsonl"))
    client = lambda_client(start_server([fn("echo", policy=policy)]).url)
    # LAMBDA.md §1.1: at most 3,583 bytes of base64 text
    fits = client.invoke(FunctionName="echo", Payload=b"{}", ClientContext=_client_context(3580))
    assert json.loads(fits["Payload"].read())["custom"] == {"pad": "p" * (3580 // 4 * 3 - 23)}
    status, _, _ = _service_error(
        lambda: client.invoke(
            FunctionName="echo", Payload=b"{}", ClientContext=_client_context(3584)
        )
    )
    assert status == 400
    # LAMBDA.md §1.1/§3.1: delivered to the function only for synchronous invocations
    small = base64.b64encode(b'{"custom": {"a": 1}}').decode()
    queued = client.invoke(
        FunctionName="echo", InvocationType="Event", Payload=b"{}", ClientContext=small
    )
    assert queued["StatusCode"] == 202
    path, deadline = tmp_path / "ok.jsonl", time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            break
        time.sleep(0.02)
    [record] = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["responsePayload"]["custom"] is None
