"""Contract audit of the local Invoke API and Runtime API (LAMBDA.md §0 items 1-4, 13, 14).

Each test states one rule of /work/shared/LAMBDA.md (section cited) and fails against
the wrong behaviour it names.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from botocore.exceptions import ClientError

from lambent._local import runtime_api
from lambent._local.logs import LogBuffer
from lambent._local.model import (
    RESPONSE_LIMIT,
    AsyncPolicy,
    FunctionConfig,
    Invocation,
)
from lambent._local.worker import Environment, RuntimeHandler, _Delivery
from tests.local.conftest import StartServer, fn, lambda_client

pytestmark = pytest.mark.network

AUDIT = "tests.local.apps.audit_handlers"


def _service_error(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


# -- §1.5: DryRun validates, answers 204 and never runs the function ------------------


def test_dry_run_validates_the_request_without_running(
    start_server: StartServer, tmp_path: Path
) -> None:
    client = lambda_client(start_server([fn("flaky")]).url)
    event = json.dumps({"dir": str(tmp_path), "key": "dry", "fail_times": 0})
    # LAMBDA.md §1.5: resolve the function (404), check JSON (400) and size (413) ...
    assert _service_error(
        lambda: client.invoke(FunctionName="missing", InvocationType="DryRun", Payload=event)
    ) == (404, "ResourceNotFoundException")
    assert _service_error(
        lambda: client.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=b"{no")
    ) == (400, "InvalidRequestContentException")
    too_big = b'"' + b"x" * 6_291_456 + b'"'
    assert _service_error(
        lambda: client.invoke(FunctionName="flaky", InvocationType="DryRun", Payload=too_big)
    ) == (413, "RequestEntityTooLargeException")
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
            fn("big", target=f"{AUDIT}:big"),
            fn("unmarshalable", target=f"{AUDIT}:unmarshalable"),
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
    status, _ = _service_error(
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


# -- §2.1: async retry policy defaults ---------------------------------------------------


def test_async_policy_defaults_match_lambda() -> None:
    # LAMBDA.md §2.1: 2 retries, ~1 min then ~2 min, maximum event age 21,600 s
    policy = AsyncPolicy()
    assert policy.max_retries == 2
    assert policy.max_event_age == 21_600
    assert policy.delay_before(2) == 60.0
    assert policy.delay_before(3) == 120.0


# -- §3.1: Runtime API details an emulator gets wrong ---------------------------------------


class _OneInvocation:
    """A Runtime API host with one invocation, ``req-1``, answerable once."""

    def __init__(self) -> None:
        self.delivered = False
        self.completed: dict[str, tuple[bytes, str | None]] = {}

    async def next_invocation(self) -> Any:
        if self.delivered:
            return None
        self.delivered = True
        inv = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="req-1")
        return _Delivery(inv, LogBuffer("req-1"), deadline_ms=int(time.time() * 1000) + 3000)

    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool:
        if request_id != "req-1" or request_id in self.completed:
            return False
        self.completed[request_id] = (payload, error_type)
        return True

    def init_failed(self, doc: dict[str, Any]) -> None:
        raise AssertionError("not expected")


async def test_error_without_error_type_header_is_accepted() -> None:
    # LAMBDA.md §3.1: the Python RIC does not send Lambda-Runtime-Function-Error-Type on
    # /invocation/{id}/error, so it must not be required
    host = _OneInvocation()
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        await client.get(f"{base}/next")
        body = {"errorMessage": "m", "errorType": "KeyError", "stackTrace": []}
        posted = await client.post(f"{base}/req-1/error", data=json.dumps(body))
        assert posted.status == 202
        payload, error_type = host.completed["req-1"]
        assert error_type == "KeyError"
        assert json.loads(payload)["errorType"] == "KeyError"
        # LAMBDA.md §3.1: the id is answered: a second /response or /error is 400
        for endpoint in ("response", "error"):
            again = await client.post(f"{base}/req-1/{endpoint}", data=b"{}")
            assert again.status == 400
            assert (await again.json())["errorType"] == "InvalidRequestID"
        stale = await client.post(f"{base}/req-0/response", data=b"{}")
        assert stale.status == 400


async def test_oversize_response_is_413_to_the_runtime_and_an_error_to_the_caller() -> None:
    # LAMBDA.md §3.1: /response over the limit -> 413 RequestEntityTooLarge; the caller
    # then gets Function.ResponseSizeTooLarge
    host = _OneInvocation()
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        await client.get(f"{base}/next")
        posted = await client.post(f"{base}/req-1/response", data=b"x" * (RESPONSE_LIMIT + 1))
        assert posted.status == 413
        payload, error_type = host.completed["req-1"]
        assert error_type == "Function.ResponseSizeTooLarge"
        assert json.loads(payload)["errorType"] == "Function.ResponseSizeTooLarge"


async def test_deadline_header_is_absolute_epoch_milliseconds() -> None:
    # LAMBDA.md §3.1: Lambda-Runtime-Deadline-Ms is an absolute Unix epoch ms deadline
    # (not a duration), timeout seconds from when /next hands the event over
    config = FunctionConfig(name="f", target="x:y", timeout=7.0)
    env = Environment(config, RuntimeHandler("m.h", "/tmp"), None, io.StringIO())  # type: ignore[arg-type]
    inv = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="r")
    env._send.send_nowait(_Delivery(inv, LogBuffer("r")))
    before = time.time() * 1000
    delivery = await env.next_invocation()
    after = time.time() * 1000
    assert delivery is not None
    assert int(before) + 7000 - 1 <= delivery.deadline_ms <= after + 7000 + 1
    headers = runtime_api.invocation_headers(delivery)
    assert headers["Lambda-Runtime-Deadline-Ms"] == str(delivery.deadline_ms)


# -- §3.3/§3.4/§3.6: context types and the import path --------------------------------------


def test_worker_environment_memory_string_and_layer_path_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LAMBDA.md §3.6: /var/task (task root) first, then the layer's site-packages, then
    # /opt/python, in that order (a layer path must never shadow the function's code)
    layer = [
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
    ]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(layer))
    config = FunctionConfig(name="f", target="x:y", memory_mb=512)
    env = Environment(config, RuntimeHandler("m.h", "/var/task"), None, io.StringIO())  # type: ignore[arg-type]
    environ = env.environ()
    assert environ["PYTHONPATH"].split(os.pathsep) == ["/var/task", *layer]
    assert environ["LAMBDA_TASK_ROOT"] == "/var/task"
    # LAMBDA.md §3.3/§3.4: the memory size reaches the runtime as a string of MB
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert "_X_AMZN_TRACE_ID" not in environ


# -- §2.1: event invoke config ranges ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "ok"),
    [
        (["--max-retries", "2", "--max-event-age", "60"], True),
        (["--max-retries", "0", "--max-event-age", "21600"], True),
        (["--max-retries", "3"], False),  # MaximumRetryAttempts is 0-2
        (["--max-event-age", "59"], False),  # MaximumEventAgeInSeconds is 60-21600
        (["--max-event-age", "21601"], False),
    ],
)
def test_serve_accepts_only_lambdas_async_config_ranges(options: list[str], ok: bool) -> None:
    from lambent.__main__ import build_parser
    from lambent._cli import UsageError, serve

    args = build_parser().parse_args(["serve", f"{AUDIT}:big", *options])
    if ok:
        [config] = serve._configs(args)
        assert 0 <= config.policy.max_retries <= 2
    else:
        with pytest.raises(UsageError):
            serve._configs(args)


def test_invoke_refuses_more_than_two_retries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from lambent.__main__ import main

    event = tmp_path / "event.json"
    event.write_text("{}")
    code = main(["invoke", f"{AUDIT}:big", str(event), "--type", "DryRun", "--max-retries", "3"])
    assert code == 2
    assert "--max-retries" in capsys.readouterr().err
