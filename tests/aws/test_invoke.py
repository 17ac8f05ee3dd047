"""``lambent.aws.invoke`` against ``lambent serve`` (a real Invoke API on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

import lambent.aws as aws
from tests.aws.apps import Sum

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def serve_url() -> Iterator[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambent",
            "serve",
            "tests.aws.apps:app",
            "--name",
            "calc",
            "--port",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    url = ""
    for _ in range(20):
        line = proc.stderr.readline()
        if "Invoke API at " in line:
            url = line.split("Invoke API at ", 1)[1].split()[0]
            break
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    proc.terminate()
    proc.wait(timeout=20)


async def test_request_response_decodes_into_the_result_type(serve_url: str) -> None:
    async with aws.clients():
        total = await aws.invoke(
            "calc", {"action": "add", "a": 2, "b": 40}, result=Sum, endpoint_url=serve_url
        )
        assert total == Sum(42)
        plain = await aws.invoke("calc", {"action": "add", "a": 1, "b": 1}, endpoint_url=serve_url)
        assert plain == {"total": 2}


async def test_a_function_error_raises_with_type_and_message(serve_url: str) -> None:
    async with aws.clients():
        with pytest.raises(aws.FunctionError) as caught:
            await aws.invoke("calc", {"action": "boom", "why": "no"}, endpoint_url=serve_url)
    assert caught.value.error_type == "ValueError"
    assert caught.value.error_message == "no"
    assert caught.value.kind == "Unhandled"
    assert caught.value.function == "calc"


async def test_event_and_dry_run_return_none(serve_url: str) -> None:
    async with aws.clients():
        payload = {"action": "add", "a": 1, "b": 2}
        # typed to return None: checked at run time, against a real server
        event = aws.invoke("calc", payload, type="Event", endpoint_url=serve_url)
        assert await event is None  # type: ignore[func-returns-value]
        dry_run = aws.invoke("calc", payload, type="DryRun", endpoint_url=serve_url)
        assert await dry_run is None  # type: ignore[func-returns-value]


async def test_an_unknown_function_is_a_service_error(serve_url: str) -> None:
    from botocore.exceptions import ClientError

    async with aws.clients():
        with pytest.raises(ClientError) as caught:
            await aws.invoke("nope", {}, endpoint_url=serve_url)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_a_bad_invocation_type_is_refused() -> None:
    with pytest.raises(ValueError, match="invocation type"):
        await aws.invoke("calc", {}, type="Later")  # type: ignore[call-overload]
