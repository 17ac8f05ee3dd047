"""``InvokeWithResponseStream`` against ``lambent serve``, driven by boto3's event stream.

A route streaming its body under ``lambent.runtime`` reaches the caller chunk by chunk,
the first before the handler has finished; under awslambdaric, and for functions that
do not stream, the whole answer comes as one ``PayloadChunk``; ``InvokeComplete`` ends
every stream and carries a function error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lambent._local.model import FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from lambent.testing import http_request
from tests.local.conftest import lambda_client

STREAMING = "tests.local.apps.streaming:app"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    configs = [
        FunctionConfig(name="lambent", target=STREAMING, mode="lambent", timeout=10.0),
        FunctionConfig(name="ric", target=STREAMING, mode="awslambdaric", timeout=10.0),
        FunctionConfig(name="inproc", target=STREAMING, timeout=10.0),
    ]
    with ServerThread(LocalLambda(configs, shutdown_timeout=5.0)) as url:
        yield lambda_client(url)


def _events(client: Any, name: str, path: str) -> list[tuple[float, dict[str, Any]]]:
    event: Any = (
        {"action": "fail"}
        if path == "fail"
        else http_request("GET", path, source="function-url", seed=1)
    )
    started = time.perf_counter()
    answer = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps(event))
    assert answer["StatusCode"] == 200
    return [(time.perf_counter() - started, e) for e in answer["EventStream"]]


def test_chunks_reach_the_caller_as_produced(client: Any) -> None:
    _events(client, "lambent", "/story")  # a warm worker: the timing is the handler's
    events = _events(client, "lambent", "/story")
    chunks = [(t, e["PayloadChunk"]["Payload"]) for t, e in events if "PayloadChunk" in e]
    (done_at, last), *_ = [(t, e) for t, e in events if "InvokeComplete" in e]
    assert last["InvokeComplete"].get("ErrorCode") is None
    body = b"".join(chunk for _, chunk in chunks)
    prelude, _, rest = body.partition(b"\x00" * 8)
    assert json.loads(prelude) == {
        "statusCode": 200,
        "headers": {"content-type": "text/plain"},
        "cookies": ["a=1"],
    }
    assert rest == b"once upon a time\nthe end\n"
    first_story_chunk = next(t for t, chunk in chunks if b"once upon" in chunk)
    assert done_at - first_story_chunk > 0.5, "the first chunk waited for the handler"


@pytest.mark.parametrize("name", ["ric", "inproc"])
def test_without_a_streaming_runtime_the_answer_comes_whole(client: Any, name: str) -> None:
    events = _events(client, name, "/story")
    assert [list(e) for _, e in events] == [["PayloadChunk"], ["InvokeComplete"]]
    answer = json.loads(events[0][1]["PayloadChunk"]["Payload"])
    assert answer["statusCode"] == 200 and answer["body"] == "once upon a time\nthe end\n"
    assert answer["cookies"] == ["a=1"]


@pytest.mark.parametrize("name", ["lambent", "ric", "inproc"])
def test_a_function_error_is_in_invoke_complete(client: Any, name: str) -> None:
    ((_, only),) = _events(client, name, "fail")
    complete = only["InvokeComplete"]
    assert complete["ErrorCode"] == "ValueError"
    assert json.loads(complete["ErrorDetails"])["errorMessage"] == "no story today"


def test_an_error_mid_stream_reaches_the_caller_in_invoke_complete(client: Any) -> None:
    # lambent.runtime reports it in the Lambda-Runtime-Function-Error-* trailers of the
    # chunked /response (LAMBDA.md §3.1); the chunks sent before it stay, in order
    events = _events(client, "lambent", "/broken")
    assert [list(e) for _, e in events][-1] == ["InvokeComplete"]
    body = b"".join(e["PayloadChunk"]["Payload"] for _, e in events[:-1])
    prelude, _, rest = body.partition(b"\x00" * 8)
    assert json.loads(prelude)["statusCode"] == 200
    assert rest == b"half a story"
    complete = events[-1][1]["InvokeComplete"]
    assert complete["ErrorCode"] == "RuntimeError"
    details = json.loads(complete["ErrorDetails"])
    assert details["errorType"] == "RuntimeError"
    assert details["errorMessage"] == "the storyteller fell asleep"
    assert isinstance(details["stackTrace"], list)


def test_a_body_failing_before_it_streams_is_a_500_when_buffered(client: Any) -> None:
    events = _events(client, "ric", "/broken")
    answer = json.loads(events[0][1]["PayloadChunk"]["Payload"])
    assert answer["statusCode"] == 500


@pytest.mark.parametrize("name", ["lambent", "ric", "inproc"])
def test_a_body_failing_before_its_first_chunk_is_a_500_streamed_or_not(
    client: Any, name: str
) -> None:
    # under lambent.runtime it was a 200 prelude, nothing, then the error in InvokeComplete
    # (a Function URL caller saw a 200 with an empty body); the first chunk is now produced
    # before the prelude goes, so the route's failure is its 500, as when buffered
    events = _events(client, name, "/refused")
    assert [list(e) for _, e in events] == [["PayloadChunk"], ["InvokeComplete"]]
    assert events[1][1]["InvokeComplete"].get("ErrorCode") is None
    answer = json.loads(events[0][1]["PayloadChunk"]["Payload"])
    assert answer["statusCode"] == 500 and json.loads(answer["body"])["status"] == 500
