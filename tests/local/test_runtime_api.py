"""The Runtime API, served to the real awslambdaric, and its wire contract (LAMBDA.md §3.1)."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientSession

from lambent._local import runtime_api
from lambent._local.launch import RuntimeHandler
from lambent._local.logs import LogBuffer
from lambent._local.model import RESPONSE_LIMIT, FunctionConfig, Invocation
from lambent._local.streaming import Sink
from lambent._local.worker import Environment
from lambent._local.worker import _Delivery as WorkerDelivery
from lambent.runtime._http import Connection
from tests.local.conftest import StartServer, fn, lambda_client

pytestmark = pytest.mark.network

IGNORED = {"request_id", "remaining_ok"}


def _comparable(payload: bytes) -> Any:
    doc = json.loads(payload)
    if isinstance(doc, dict):
        for key in IGNORED | {"requestId"}:
            doc.pop(key, None)
        if "errorMessage" in doc and doc.get("errorType") == "Sandbox.Timedout":
            doc["errorMessage"] = doc["errorMessage"].split(" ", 2)[2]  # drop time and id
    return doc


def test_awslambdaric_serves_like_in_process(start_server: StartServer) -> None:
    functions = [fn("echo"), fn("fail"), fn("none"), fn("sleep", timeout=1)]
    in_process = lambda_client(start_server(functions).url)
    workers = lambda_client(
        start_server([fn(f.name, mode="awslambdaric", timeout=f.timeout) for f in functions]).url
    )
    calls = [
        ("echo", {"hello": "world", "n": [1, 2.5, None]}),
        ("fail", {"why": "both"}),
        ("none", {}),
        ("sleep", {"seconds": 5}),
    ]
    for name, event in calls:
        results = []
        extra: dict[str, str] = {}
        if name == "echo":
            custom = json.dumps({"custom": {"k": "v"}, "env": {}, "client": {}}).encode()
            extra = {"ClientContext": base64.b64encode(custom).decode(), "TenantId": "t-1"}
        for client in (in_process, workers):
            response = client.invoke(
                FunctionName=name, Payload=json.dumps(event), LogType="Tail", **extra
            )
            results.append(
                (
                    response["StatusCode"],
                    response.get("FunctionError"),
                    response["ExecutedVersion"],
                    _comparable(response["Payload"].read()),
                )
            )
        assert results[0] == results[1], name
        if name == "echo":
            assert results[1][3]["custom"] == {"k": "v"}
            assert results[1][3]["tenant_id"] == "t-1"
    assert results[1][3]["errorType"] == "Sandbox.Timedout"
    assert results[1][3]["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_worker_gets_lambda_environment_and_is_restarted_after_timeout(
    start_server: StartServer,
) -> None:
    server = start_server(
        [
            fn("sleep", mode="awslambdaric", timeout=1),
            fn("echo", mode="awslambdaric", memory_mb=256),
        ]
    )
    client = lambda_client(server.url)
    first = json.loads(
        client.invoke(FunctionName="sleep", Payload=b'{"seconds": 0}')["Payload"].read()
    )
    again = json.loads(
        client.invoke(FunctionName="sleep", Payload=b'{"seconds": 0}')["Payload"].read()
    )
    assert first["pid"] == again["pid"]  # warm
    timed_out = client.invoke(FunctionName="sleep", Payload=b'{"seconds": 3}', LogType="Tail")
    assert timed_out["FunctionError"] == "Unhandled"
    assert json.loads(timed_out["Payload"].read())["errorType"] == "Sandbox.Timedout"
    after = json.loads(
        client.invoke(FunctionName="sleep", Payload=b'{"seconds": 0}')["Payload"].read()
    )
    assert after["pid"] != first["pid"]  # killed at the deadline and started again
    echo = json.loads(client.invoke(FunctionName="echo", Payload=b'{"a": 1}')["Payload"].read())
    assert echo["memory_limit_in_mb"] == "256"
    assert echo["function_name"] == "echo"
    assert echo["log_group_name"] == "/aws/lambda/echo"


def test_import_error_is_an_init_error(start_server: StartServer) -> None:
    broken = fn("broken", mode="awslambdaric", target="tests.local.apps.broken:handler")
    client = lambda_client(start_server([broken]).url)
    for _ in range(2):  # each invoke starts a fresh environment that fails its init again
        response = client.invoke(FunctionName="broken", Payload=b"{}")
        error = json.loads(response["Payload"].read())
        assert response["FunctionError"] == "Unhandled"
        assert error["errorType"] == "Runtime.ImportModuleError"
        assert "this module is broken on purpose" in error["errorMessage"]


def test_runtime_crash_is_an_exit_error(start_server: StartServer) -> None:
    client = lambda_client(
        start_server([fn("crash", mode="awslambdaric"), fn("pid", mode="awslambdaric")]).url
    )
    response = client.invoke(FunctionName="crash", Payload=b"{}")
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in error["errorMessage"]


def test_object_app_runs_through_the_shim(start_server: StartServer) -> None:
    client = lambda_client(start_server([fn("obj", "app", mode="awslambdaric")]).url)
    response = client.invoke(FunctionName="obj", Payload=b'{"x": 2}')
    assert json.loads(response["Payload"].read()) == {"object": True, "event": {"x": 2}}


# -- the wire contract, with a scripted host instead of a process ---------------------


@dataclass
class _Delivery:
    invocation: Invocation
    deadline_ms: int


@dataclass
class _Host:
    deliveries: list[_Delivery]
    completed: dict[str, tuple[bytes, str, str | None]] = field(default_factory=dict)
    init_error: dict[str, Any] | None = None
    restored: int = 0

    async def next_invocation(self) -> _Delivery | None:
        return self.deliveries.pop(0) if self.deliveries else None

    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool:
        if request_id in self.completed or request_id != "req-1":
            return False
        self.completed[request_id] = (payload, content_type, error_type)
        return True

    def init_failed(self, doc: dict[str, Any]) -> None:
        self.init_error = doc

    def restore(self) -> None:
        self.restored += 1

    def stream_sink(self, request_id: str) -> Sink | None:
        return None


async def test_runtime_api_wire_contract() -> None:
    deadline = int(time.time() * 1000) + 3000
    invocation = Invocation(
        function="f",
        payload=b'{"k": 1}',
        invoked_arn="arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        request_id="req-1",
        client_context='{"custom": {"a": 1}}',
        tenant_id="tenant-7",
    )
    host = _Host([_Delivery(invocation, deadline)])
    base = "/2018-06-01/runtime"
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        response = await client.get(f"{base}/invocation/next")
        assert response.status == 200
        assert await response.read() == b'{"k": 1}'
        assert response.headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
        assert response.headers["Lambda-Runtime-Deadline-Ms"] == str(deadline)
        assert response.headers["Lambda-Runtime-Invoked-Function-Arn"] == invocation.invoked_arn
        assert response.headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
        assert response.headers["Lambda-Runtime-Client-Context"] == '{"custom": {"a": 1}}'
        assert response.headers["Lambda-Runtime-Aws-Tenant-Id"] == "tenant-7"
        assert "Lambda-Runtime-Cognito-Identity" not in response.headers
        assert response.headers["Content-Type"].startswith("application/json")

        posted = await client.post(f"{base}/invocation/req-1/response", data=b'"ok"')
        assert posted.status == 202
        assert await posted.json() == {"status": "OK"}
        again = await client.post(f"{base}/invocation/req-1/response", data=b'"twice"')
        assert again.status == 400
        assert (await again.json())["errorType"] == "InvalidRequestID"
        ok = host.completed.pop("req-1")
        assert ok == (b'"ok"', "application/octet-stream", None)

        cause = {"errorMessage": "m", "errorType": "E", "stackTrace": [], "errorCause": {"x": 1}}
        failed = await client.post(
            f"{base}/invocation/req-1/error",
            data=json.dumps(cause),
            headers={"Content-Type": "application/vnd.aws.lambda.error.cause+json"},
        )
        assert failed.status == 202
        payload, _, error_type = host.completed["req-1"]
        assert error_type == "E"
        assert json.loads(payload) == {"errorMessage": "m", "errorType": "E", "stackTrace": []}

        init = await client.post(
            f"{base}/init/error",
            data=b'{"errorMessage": "boom", "errorType": "Runtime.ImportModuleError"}',
            headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"},
        )
        assert init.status == 202
        assert host.init_error is not None
        assert host.init_error["errorType"] == "Runtime.ImportModuleError"
        gone = await client.get(f"{base}/invocation/next")
        assert gone.status == 500


def test_real_lambent_app_in_process_and_under_awslambdaric(start_server: StartServer) -> None:
    target = "tests.local.apps.real_app:app"
    in_process = lambda_client(start_server([fn("app", target=target)]).url)
    workers = lambda_client(start_server([fn("app", target=target, mode="awslambdaric")]).url)
    for event, error in [
        ({"action": "greet", "name": "ada"}, None),
        ({"action": "explode"}, "KeyError"),
    ]:
        seen = []
        for client in (in_process, workers):
            response = client.invoke(FunctionName="app", Payload=json.dumps(event))
            payload = json.loads(response["Payload"].read())
            seen.append((response.get("FunctionError"), payload.get("errorType", payload)))
        assert seen[0] == seen[1]
        assert seen[0][1] == (error or {"greeting": "hello ada"})


# -- §3.1: Runtime API details an emulator gets wrong ---------------------------------------


def _one_invocation() -> _Host:
    """A Runtime API host with one invocation, ``req-1``, answerable once."""
    invocation = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="req-1")
    return _Host([_Delivery(invocation, int(time.time() * 1000) + 3000)])


async def test_restore_next_tells_the_host_and_answers_200() -> None:
    # LAMBDA.md §3.1: SnapStart's GET /runtime/restore/next, answered 200
    host = _one_invocation()
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        response = await client.get("/2018-06-01/runtime/restore/next")
        assert response.status == 200
    assert host.restored == 1


async def test_error_without_error_type_header_is_accepted() -> None:
    # LAMBDA.md §3.1: the Python RIC does not send Lambda-Runtime-Function-Error-Type on
    # /invocation/{id}/error, so it must not be required
    host = _one_invocation()
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        await client.get(f"{base}/next")
        body = {"errorMessage": "m", "errorType": "KeyError", "stackTrace": []}
        posted = await client.post(f"{base}/req-1/error", data=json.dumps(body))
        assert posted.status == 202
        payload, _, error_type = host.completed["req-1"]
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
    host = _one_invocation()
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address, ClientSession(f"http://{address}") as client:
        await client.get(f"{base}/next")
        posted = await client.post(f"{base}/req-1/response", data=b"x" * (RESPONSE_LIMIT + 1))
        assert posted.status == 413
        payload, _, error_type = host.completed["req-1"]
        assert error_type == "Function.ResponseSizeTooLarge"
        assert json.loads(payload)["errorType"] == "Function.ResponseSizeTooLarge"


async def test_deadline_header_is_absolute_epoch_milliseconds() -> None:
    # LAMBDA.md §3.1: Lambda-Runtime-Deadline-Ms is an absolute Unix epoch ms deadline
    # (not a duration), timeout seconds from when /next hands the event over
    config = FunctionConfig(name="f", target="x:y", timeout=7.0)
    env = Environment(config, RuntimeHandler("m.h", "/tmp"), None, io.StringIO())  # type: ignore[arg-type]  # no task group: starts nothing
    inv = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="r")
    env._send.send_nowait(WorkerDelivery(inv, LogBuffer("r")))
    before = time.time() * 1000
    delivery = await env.next_invocation()
    after = time.time() * 1000
    assert delivery is not None
    assert int(before) + 7000 - 1 <= delivery.deadline_ms <= after + 7000 + 1
    headers = runtime_api.invocation_headers(delivery)
    assert headers["Lambda-Runtime-Deadline-Ms"] == str(delivery.deadline_ms)


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize("encode", [True, False], ids=["base64-body", "json-body"])
async def test_streamed_response_error_trailers_end_the_invocation_as_an_error(
    encode: bool,
) -> None:
    # LAMBDA.md §3.1: a streaming runtime reports an error after the body started in the
    # Lambda-Runtime-Function-Error-Type / -Body trailers of its chunked /response
    invocation = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="req-1")
    host = _Host([_Delivery(invocation, int(time.time() * 1000) + 3000)])
    doc = {"errorMessage": "half way", "errorType": "OSError", "stackTrace": ["x"]}
    raw = json.dumps(doc).encode()
    error_body = base64.b64encode(raw).decode() if encode else raw.decode()
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address:
        conn = Connection(address)
        status, headers, _ = await conn.request("GET", f"{base}/next")
        assert (status, headers["lambda-runtime-aws-request-id"]) == (200, "req-1")
        trailers = {
            "Lambda-Runtime-Function-Error-Type": "OSError",
            "Lambda-Runtime-Function-Error-Body": error_body,
        }
        status, _, answer = await conn.stream_request(
            "POST",
            f"{base}/req-1/response",
            _chunks(b"part one, ", b"part two"),
            {"Lambda-Runtime-Function-Response-Mode": "streaming"},
            trailers,
            announce=tuple(trailers),
        )
        assert (status, json.loads(answer)) == (202, {"status": "OK"})
        await conn.aclose()
    payload, content_type, error_type = host.completed["req-1"]
    assert (content_type, error_type) == ("application/json", "OSError")
    assert json.loads(payload) == doc


async def test_streamed_response_without_error_trailers_is_the_body() -> None:
    invocation = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="req-1")
    host = _Host([_Delivery(invocation, int(time.time() * 1000) + 3000)])
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address:
        conn = Connection(address)
        await conn.request("GET", f"{base}/next")
        mode = {"Lambda-Runtime-Function-Response-Mode": "streaming", "Content-Type": "text/x"}
        path = f"{base}/req-1/response"
        status, _, _ = await conn.stream_request("POST", path, _chunks(b"a", b"b"), mode, {})
        assert status == 202
        wrong = {"Lambda-Runtime-Function-Response-Mode": "buffered"}
        status, _, answer = await conn.stream_request("POST", path, _chunks(b"c"), wrong, {})
        assert (status, json.loads(answer)["errorType"]) == (400, "InvalidFunctionResponseMode")
        await conn.aclose()
    assert host.completed["req-1"] == (b"ab", "text/x", None)


class _FaultyHost(_Host):
    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool:
        raise RuntimeError("the host broke")


async def test_a_fault_of_the_host_is_a_500_and_the_listener_goes_on() -> None:
    invocation = Invocation(function="f", payload=b"{}", invoked_arn="arn", request_id="req-1")
    host = _FaultyHost([_Delivery(invocation, int(time.time() * 1000) + 3000)])
    base = "/2018-06-01/runtime/invocation"
    async with runtime_api.serving(host) as address:
        async with ClientSession(f"http://{address}") as client:
            assert (await client.get(f"{base}/next")).status == 200
            failed = await client.post(f"{base}/req-1/response", data=b'"ok"')
            assert failed.status == 500
            assert (await failed.json())["errorMessage"] == "RuntimeError: the host broke"
        async with ClientSession(f"http://{address}") as client:  # a new connection
            gone = await client.get(f"{base}/next")  # no invocation left: shutting down
            assert gone.status == 500
            assert (await gone.json())["errorType"] == "ServiceException"
