"""Event invocations: retries, maximum event age, destinations, graceful stop (LAMBDA.md §2)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from lambent._local.model import AsyncPolicy
from lambent._local.server import LocalLambda, ServerThread
from tests.local.conftest import CLIENT_CONFIG, StartServer, fn, lambda_client

pytestmark = pytest.mark.network


def _policy(tmp_path: Path, **options: Any) -> AsyncPolicy:
    options.setdefault("time_scale", 0.001)  # 60 s, 120 s -> 60 ms, 120 ms
    return AsyncPolicy(
        on_success=str(tmp_path / "success.jsonl"),
        on_failure=str(tmp_path / "failure.jsonl"),
        **options,
    )


def _records(path: Path, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        # only complete lines: the writer may be half-way through the next one
        lines = text[: text.rfind("\n") + 1].splitlines()
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.02)
    raise AssertionError(f"{path.name}: fewer than {count} records after {timeout} s")


def test_fails_twice_then_succeeds_reaches_on_success(
    start_server: StartServer, tmp_path: Path
) -> None:
    client = lambda_client(start_server([fn("flaky", policy=_policy(tmp_path))]).url)
    event = {"dir": str(tmp_path), "key": "k", "fail_times": 2}
    response = client.invoke(
        FunctionName="flaky", InvocationType="Event", Payload=json.dumps(event)
    )
    [record] = _records(tmp_path / "success.jsonl", 1)
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"],
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:flaky:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == event
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"key": "k", "attempts": 3}
    assert not (tmp_path / "failure.jsonl").exists()


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_always_failing_reaches_on_failure_after_exactly_the_attempts(
    start_server: StartServer, tmp_path: Path, retries: int
) -> None:
    policy = _policy(tmp_path, max_retries=retries)
    client = lambda_client(start_server([fn("flaky", policy=policy)]).url)
    event = {"dir": str(tmp_path), "key": "never", "fail_times": 99}
    client.invoke(FunctionName="flaky", InvocationType="Event", Payload=json.dumps(event))
    [record] = _records(tmp_path / "failure.jsonl", 1)
    time.sleep(0.3)  # a wrong extra attempt would show in the counter
    assert (tmp_path / "never.count").read_text() == str(retries + 1)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == retries + 1
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == f"attempt {retries + 1} fails"


def test_retry_delays_are_scaled(start_server: StartServer, tmp_path: Path) -> None:
    policy = _policy(tmp_path, retry_delays=(60.0, 120.0), time_scale=0.005)  # 0.3 s, 0.6 s
    client = lambda_client(start_server([fn("flaky", policy=policy)]).url)
    started = time.monotonic()
    event = {"dir": str(tmp_path), "key": "slow", "fail_times": 99}
    client.invoke(FunctionName="flaky", InvocationType="Event", Payload=json.dumps(event))
    _records(tmp_path / "failure.jsonl", 1)
    assert 0.9 <= time.monotonic() - started < 5


def test_event_older_than_max_age_is_not_run(start_server: StartServer, tmp_path: Path) -> None:
    policy = _policy(tmp_path, max_event_age=60.0, time_scale=0.005)  # 0.3 s
    server = start_server([fn("sleep", timeout=2, concurrency=1, policy=policy)])
    client = lambda_client(server.url)
    for seconds in (0.8, 0):
        client.invoke(
            FunctionName="sleep", InvocationType="Event", Payload=json.dumps({"seconds": seconds})
        )
    [expired] = _records(tmp_path / "failure.jsonl", 1)
    assert expired["requestContext"]["condition"] == "EventAgeExceeded"
    assert expired["requestContext"]["approximateInvokeCount"] == 0
    assert expired["requestPayload"] == {"seconds": 0}
    assert "responsePayload" not in expired
    [done] = _records(tmp_path / "success.jsonl", 1)
    assert done["responsePayload"]["slept"] == 0.8


async def test_nothing_lost_under_500_concurrent_event_invocations(
    start_server: StartServer, tmp_path: Path
) -> None:
    from aiobotocore.session import get_session

    policy = _policy(tmp_path, time_scale=0.0005)
    server = start_server([fn("flaky", concurrency=20, policy=policy), fn("echo", policy=policy)])
    async with get_session().create_client(
        "lambda", endpoint_url=server.url, region_name="us-east-1", config=CLIENT_CONFIG
    ) as client:

        async def send(i: int) -> None:
            event = {"dir": str(tmp_path), "key": f"e{i}", "fail_times": i % 3, "i": i}
            name = "flaky" if i % 5 else "echo"
            response = await client.invoke(
                FunctionName=name, InvocationType="Event", Payload=json.dumps(event)
            )
            assert response["StatusCode"] == 202

        limiter = anyio.CapacityLimiter(50)

        async def bounded(i: int) -> None:
            async with limiter:
                await send(i)

        async with anyio.create_task_group() as tg:
            for i in range(500):
                tg.start_soon(bounded, i)
    records = await anyio.to_thread.run_sync(_records, tmp_path / "success.jsonl", 500, 30.0)
    seen = sorted(r["requestPayload"]["i"] for r in records)
    assert seen == list(range(500))
    assert not (tmp_path / "failure.jsonl").exists()
    flaky = [r for r in records if r["requestContext"]["functionArn"].endswith("flaky:$LATEST")]
    for record in flaky:
        expected = record["requestPayload"]["fail_times"] + 1
        assert record["requestContext"]["approximateInvokeCount"] == expected


def test_graceful_stop_waits_for_running_and_counts_queued(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    thread = ServerThread(
        LocalLambda([fn("sleep", timeout=5, concurrency=1, policy=policy)], shutdown_timeout=5)
    )
    with thread as url:
        client = lambda_client(url)
        for _ in range(4):
            client.invoke(FunctionName="sleep", InvocationType="Event", Payload=b'{"seconds": 0.5}')
        time.sleep(0.2)
    assert thread.report is not None
    assert thread.report.waited == 1
    assert thread.report.left == 3
    assert thread.report.left_by_function == {"sleep": 3}
    [record] = _records(tmp_path / "success.jsonl", 1)  # the running one finished and was delivered
    assert record["responsePayload"]["slept"] == 0.5
