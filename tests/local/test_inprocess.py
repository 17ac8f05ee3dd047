"""Running a handler inside this process (lambent._local.inprocess): what an invocation
returns (JSON, raw bytes), each way it fails as the Python runtime reports it, its log,
and which objects can be run at all."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from lambent import App, ConfigurationError
from lambent._local.inprocess import InProcessRunner, marshal
from lambent._local.model import FunctionConfig, Invocation, InvocationResult

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def handler(event: dict[str, Any], context: Any) -> Any:
    action = event.get("do")
    if action == "fail":
        raise LookupError("no such order")
    if action == "exit":
        sys.exit(4)
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "bytes":
        return b"\x00raw"
    if action == "odd":
        return {1, 2}
    print("handled", context.aws_request_id)
    return {"got": event, "memory": context.memory_limit_in_mb}


async def run(event: dict[str, Any], obj: Any = handler, limit: float = 5.0) -> InvocationResult:
    config = FunctionConfig(name="f", target="x:y", timeout=limit, memory_mb=256)
    runner = InProcessRunner(config, obj)
    try:
        return await runner.run(
            Invocation(function="f", payload=json.dumps(event).encode(), invoked_arn=ARN)
        )
    finally:
        await runner.aclose()


async def test_a_result_is_json_and_the_log_reads_as_lambdas() -> None:
    result = await run({"n": 1})
    assert not result.failed and result.content_type == "application/json"
    assert json.loads(result.payload) == {"got": {"n": 1}, "memory": "256"}
    lines = result.log.splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[1].startswith("handled ")
    assert lines[2].startswith("END RequestId: ") and lines[3].startswith("REPORT RequestId: ")


async def test_bytes_go_out_raw() -> None:
    result = await run({"do": "bytes"})
    assert (result.payload, result.content_type) == (b"\x00raw", "application/unknown")


@pytest.mark.parametrize(
    ("event", "error_type", "words"),
    [
        ({"do": "fail"}, "LookupError", "no such order"),
        ({"do": "exit"}, "SystemExit", "4"),
        ({"do": "odd"}, "Runtime.MarshalError", "Unable to marshal response"),
    ],
)
async def test_each_failure_is_a_function_error_in_the_runtimes_shape(
    event: dict[str, Any], error_type: str, words: str
) -> None:
    result = await run(event)
    assert result.function_error == "Unhandled" and result.error_type == error_type
    doc = json.loads(result.payload)
    assert doc["errorType"] == error_type and words in doc["errorMessage"]
    assert f"[ERROR] {error_type}: " in result.log


async def test_the_timeout_answers_sandbox_timedout() -> None:
    result = await run({"do": "sleep", "seconds": 0.5}, limit=0.05)
    doc = json.loads(result.payload)
    assert (
        result.error_type == "Sandbox.Timedout"
        and "Task timed out after 0.05 seconds" in doc["errorMessage"]
    )
    assert "Status: timeout" in result.log


@pytest.mark.parametrize("awaits", [True, False], ids=["async handler", "plain handler"])
async def test_an_app_runs_through_its_dispatch_or_its_handler(awaits: bool) -> None:
    app = App()

    if awaits:

        @app.invoke()
        async def greet(payload: dict[str, str]) -> dict[str, str]:
            return {"hello": payload["name"]}
    else:

        @app.invoke()
        def greet_plainly(payload: dict[str, str]) -> dict[str, str]:
            return {"hello": payload["name"]}

    result = await run({"name": "Ada"}, app)
    assert json.loads(result.payload) == {"hello": "Ada"}


def _sleepy(*, mixed: bool) -> App:
    """An app whose plain ``sleep`` handler blocks; ``mixed``: with an async route too (it
    then runs on a loop of its own). No margin: the timeout is what stops it."""
    app = App(deadline_margin=0)

    @app.invoke("sleep")
    def sleeps(payload: dict[str, Any]) -> str:
        time.sleep(payload["seconds"])
        return "slept"

    if mixed:

        @app.invoke("quick")
        async def quick_async(payload: dict[str, Any]) -> str:
            return "quick"
    else:

        @app.invoke("quick")
        def quick(payload: dict[str, Any]) -> str:
            return "quick"

    return app


@pytest.mark.parametrize("mixed", [False, True], ids=["plain app", "app that awaits"])
async def test_a_blocked_plain_handler_is_timed_out_on_time_beside_the_others(
    mixed: bool,
) -> None:
    """Two invocations at once, one blocking far past the timeout: it answers
    Sandbox.Timedout at the timeout; the other (of an app of plain handlers) meanwhile."""
    app = _sleepy(mixed=mixed)
    config = FunctionConfig(name="f", target="x:app", timeout=0.5)
    runner = InProcessRunner(config, app)
    done: dict[str, tuple[float, InvocationResult]] = {}
    started = time.monotonic()

    async def invoke(name: str, event: dict[str, Any]) -> None:
        payload = json.dumps(event).encode()
        result = await runner.run(Invocation(function="f", payload=payload, invoked_arn=ARN))
        done[name] = (time.monotonic() - started, result)

    try:
        await invoke("warm", {"action": "quick"})
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(invoke, "blocked", {"action": "sleep", "seconds": 3})
            await anyio.sleep(0.1)
            if not mixed:  # one whose loop the handler holds waits for it: not asked
                tg.start_soon(invoke, "quick", {"action": "quick"})
    finally:
        await runner.aclose()
    at, blocked = done["blocked"]
    assert blocked.error_type == "Sandbox.Timedout" and 0.5 <= at < 2.0, at
    if not mixed:
        quick_at, quick = done["quick"]
        assert json.loads(quick.payload) == "quick" and quick_at < at


def test_what_can_be_run() -> None:
    with pytest.raises(ConfigurationError, match="x:answer is neither a function"):
        InProcessRunner(FunctionConfig(name="f", target="x:answer"), 42)
    assert marshal({"é": 1}) == ('{"é": 1}'.encode(), "application/json")


def _lifespan_app(steps: list[str], fail: str) -> App:
    """An app whose lifespan records its steps and raises where ``fail`` says."""

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        steps.append("enter")
        if fail == "start":
            raise RuntimeError("db down")
        yield
        steps.append("leave")
        if fail == "stop":
            raise SystemExit(3)

    app = App(lifespan=lifespan)
    app.invoke()(lambda payload: {"ok": True})
    return app


async def test_the_lifespan_is_init_entered_once_and_left_once_at_aclose() -> None:
    # it was entered by the first invocation and never left
    steps: list[str] = []
    runner = InProcessRunner(FunctionConfig(name="f", target="x:y"), _lifespan_app(steps, ""))
    for _ in range(3):
        result = await runner.run(Invocation(function="f", payload=b"{}", invoked_arn=ARN))
        assert json.loads(result.payload) == {"ok": True}
    assert steps == ["enter"]
    assert await runner.aclose() is True
    assert steps == ["enter", "leave"]


async def test_a_lifespan_failing_at_init_is_the_invocations_init_error_and_init_runs_again() -> (
    None
):
    steps: list[str] = []
    runner = InProcessRunner(FunctionConfig(name="f", target="x:y"), _lifespan_app(steps, "start"))
    try:
        for _ in range(2):
            result = await runner.run(Invocation(function="f", payload=b"{}", invoked_arn=ARN))
            doc = json.loads(result.payload)
            assert (result.function_error, doc["errorType"], doc["requestId"]) == (
                "Unhandled",
                "RuntimeError",
                "",
            )
            assert [frame.split('"')[1] for frame in doc["stackTrace"]] == [__file__]
    finally:
        assert await runner.aclose() is True  # never entered: nothing to leave
    assert steps == ["enter", "enter"]


async def test_a_lifespan_failing_at_shutdown_is_one_shutdown_error_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    steps: list[str] = []
    runner = InProcessRunner(FunctionConfig(name="f", target="x:y"), _lifespan_app(steps, "stop"))
    await runner.run(Invocation(function="f", payload=b"{}", invoked_arn=ARN))
    assert await runner.aclose() is False  # SystemExit(3) stopped nothing but the lifespan
    head, *lines = capsys.readouterr().out.split("\r")
    assert head == "[ERROR] ShutdownError: the app's lifespan failed at shutdown: SystemExit: 3"
    assert lines[0] == "Traceback (most recent call last):" and __file__ in lines[1]
    assert steps == ["enter", "leave"]


def _slow_to_leave() -> App:
    """An app whose lifespan takes 30 s to leave, holding its loop (the awaiting kind is
    cut the same way: tests/cli/test_lifespans.py)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        yield
        time.sleep(30)  # noqa: ASYNC251 - the point: a loop held at shutdown

    app = App(lifespan=lifespan)
    app.invoke()(lambda payload: {"ok": True})
    return app


async def test_a_lifespan_slow_to_leave_is_cut_after_lambdas_shutdown_phase_naming_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # it was waited for as long as it took (30 s here, forever for one that hangs)
    config = FunctionConfig(name="f", target="shop.orders:app")
    runner = InProcessRunner(config, _slow_to_leave())
    await runner.run(Invocation(function="f", payload=b"{}", invoked_arn=ARN))
    started = time.monotonic()
    assert await runner.aclose() is False
    assert time.monotonic() - started < 4.0  # 2 s, and the held loop is not waited for
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "[ERROR] ShutdownError: the app's lifespan failed at shutdown: LifespanCut: "
        "shop.orders:app took longer than Lambda's 2s shutdown phase to leave its "
        "lifespan; it was cut off there"
    ]
