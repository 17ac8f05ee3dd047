"""lambent.runtime and awslambdaric give equal answers, through ``lambent serve`` and boto3.

One server runs each function twice: under ``python -m lambent.runtime`` and under
``python -m awslambdaric`` (``FunctionConfig.mode``), both polling its Runtime API.
Answers are compared after JSON normalisation (the runtimes format JSON differently);
error documents are compared without their request ids (each invocation has its own)
and by their last stack frame, the user's (the frames above it are each runtime's own).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from lambent._local.model import FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from lambent.testing import sqs_event
from tests import corpus
from tests.local.conftest import lambda_client

KINDS = [
    "sqs",
    "sns",
    "s3",
    "dynamodb-stream",
    "kinesis-stream",
    "kafka",
    "mq",
    "firehose",
    "apigw-rest",
    "apigw-http",
    "apigw-websocket",
    "apigw-authorizer",
    "function-url",
    "alb",
    "ses",
    "cloudfront",
    "eventbridge",
    "schedule",
    "cloudwatch-logs",
]
TARGETS = {
    "kinds": "tests.runtime.apps.kinds:app",
    "fail": "tests.runtime.apps.plain:fail",
    "slow": "tests.runtime.apps.plain:slow",
    "crash": "tests.runtime.apps.plain:crash",
    "raise": "tests.runtime.apps.escapes:raise_it",
    "broken": "tests.runtime.apps.import_error:handler",
    "raises": "tests.runtime.apps.raises_at_import:handler",
    "bytes": "tests.runtime.apps.plain:returns_bytes",
    "unmarshalable": "tests.runtime.apps.plain:unmarshalable",
    "nested": "tests.runtime.apps.plain:nested",
    "non-finite": "tests.runtime.apps.plain:non_finite",
    "context-calls": "tests.runtime.apps.plain:context_calls",
}


def _first_of_each_kind() -> list[Any]:
    found: dict[str, corpus.Row] = {}
    for row in corpus.rows(*KINDS):
        found.setdefault(row.kind, row)
    if not found:
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(found[k], id=k) for k in KINDS if k in found]


JSON_LOGS = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "TRACE"}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    configs = [
        FunctionConfig(name=f"{runtime}-{name}", target=target, mode=runtime, timeout=2.0)
        for name, target in TARGETS.items()
        for runtime in ("lambent", "awslambdaric")
    ] + [
        FunctionConfig(name=f"{runtime}-json-logs", target="tests.runtime.apps.plain:logs_then_fails",
                       mode=runtime, timeout=2.0, environment=JSON_LOGS)
        for runtime in ("lambent", "awslambdaric")
    ]  # fmt: skip
    with ServerThread(LocalLambda(configs, shutdown_timeout=5.0)) as url:
        yield lambda_client(url)


def _answer(client: Any, name: str, payload: bytes) -> tuple[str | None, Any]:
    """(FunctionError, normalised payload) of one invocation of ``name`` under each runtime."""
    answers = []
    for runtime in ("lambent", "awslambdaric"):
        result = client.invoke(FunctionName=f"{runtime}-{name}", Payload=payload, LogType="Tail")
        body = result["Payload"].read()
        try:
            doc: Any = json.loads(body)
        except ValueError:
            doc = body
        if result.get("FunctionError") and isinstance(doc, dict):
            doc.pop("requestId", None)
            request_id = result["ResponseMetadata"]["RequestId"]
            message = doc["errorMessage"].replace(request_id, "<request id>")
            doc["errorMessage"] = re.sub(r"^\d{4}-\d\d-\d\dT[\d:.]+Z ", "<time> ", message)
            trace = doc.pop("stackTrace", None) or []
            doc["lastFrame"] = trace[-1] if trace else None
        log = base64.b64decode(result["LogResult"]).decode()
        answers.append((result.get("FunctionError"), doc, log))
    (error, doc, log), (other_error, other_doc, _) = answers
    assert (error, doc) == (other_error, other_doc)
    return error, doc


@pytest.mark.parametrize("row", _first_of_each_kind())
def test_a_real_event_of_each_kind(client: Any, row: corpus.Row | None) -> None:
    event = corpus.load(row)
    error, doc = _answer(client, "kinds", json.dumps(event).encode())
    assert error is None, doc


def test_direct_invocations_success_and_failure(client: Any) -> None:
    assert _answer(client, "kinds", b'{"action": "greet", "name": "Ada"}') == (
        None,
        {"hello": "Ada"},
    )
    error, doc = _answer(client, "kinds", b'{"action": "fail"}')
    assert (error, doc["errorType"]) == ("Unhandled", "RuntimeError")


def test_a_failing_plain_handler(client: Any) -> None:
    error, doc = _answer(client, "fail", b'{"value": "x"}')
    assert (error, doc["errorType"], doc["errorMessage"]) == (
        "Unhandled",
        "ValueError",
        "bad input: x",
    )
    assert "plain.py" in doc["lastFrame"]


def test_a_timeout_and_the_next_invocation(client: Any) -> None:
    error, doc = _answer(client, "slow", b'{"seconds": 5}')
    assert (error, doc["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert _answer(client, "slow", b'{"seconds": 0}') == (None, {"slept": True})


def test_a_crash(client: Any) -> None:
    error, doc = _answer(client, "crash", b"{}")
    assert (error, doc["errorType"]) == ("Unhandled", "Runtime.ExitError")


@pytest.mark.parametrize(("kind", "status"), [("exit", "3"), ("interrupt", "-2"), ("custom", "1")])
def test_a_base_exception_ends_the_runtime_under_both(client: Any, kind: str, status: str) -> None:
    # awslambdaric catches Exception only: SystemExit, KeyboardInterrupt or a handler's own
    # BaseException ends its process, which Lambda answers Runtime.ExitError; so does
    # lambent.runtime, and the next invocation gets a fresh environment under both
    error, doc = _answer(client, "raise", json.dumps({"kind": kind}).encode())
    assert (error, doc["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert doc["errorMessage"].endswith(f"Runtime exited with error: exit status {status}")
    error, doc = _answer(client, "raise", b"{}")
    assert (error, doc) == (None, {"raised": None})


@pytest.mark.parametrize("name", ["broken", "raises"])
def test_import_errors(client: Any, name: str) -> None:
    error, doc = _answer(client, name, b"{}")
    assert error == "Unhandled"
    assert doc["errorType"] in ("Runtime.ImportModuleError", "RuntimeError")


def test_bytes_and_unmarshalable_results(client: Any) -> None:
    assert _answer(client, "bytes", b"{}") == (None, b"\x00raw")
    error, doc = _answer(client, "unmarshalable", b"{}")
    assert (error, doc["errorType"]) == ("Unhandled", "Runtime.MarshalError")


def test_log_lines_carry_the_request_id(client: Any) -> None:
    event = {"action": "greet", "name": "Ada"}
    result = client.invoke(
        FunctionName="lambent-fail", Payload=json.dumps(event).encode(), LogType="Tail"
    )
    request_id = result["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(result["LogResult"]).decode()
    assert f"START RequestId: {request_id}" in log
    assert "[ERROR] ValueError: bad input: None\r" in log
    # a record that fails: its line and the batch summary are written at Lambda's
    # default level (a batch whose records all succeed is summed up at DEBUG)
    payload = json.dumps(sqs_event("this one fails", "this one passes")).encode()
    result = client.invoke(FunctionName="lambent-kinds", Payload=payload, LogType="Tail")
    request_id = result["ResponseMetadata"]["RequestId"]
    lines = base64.b64decode(result["LogResult"]).decode().splitlines()
    batch = [json.loads(line) for line in lines if line.startswith("{")]
    assert batch and all(doc["aws_request_id"] == request_id for doc in batch)
    assert {doc["event"] for doc in batch} == {"record failed", "batch processed"}


def test_a_result_nested_past_the_recursion_limit_is_a_marshal_error(client: Any) -> None:
    error, doc = _answer(client, "nested", b'{"depth": 5000}')
    assert (error, doc["errorType"], doc["lastFrame"]) == (
        "Unhandled",
        "Runtime.MarshalError",
        None,
    )
    assert _answer(client, "nested", b'{"depth": 3}') == (None, [[[0]]])


def test_nan_and_infinities_are_answered_as_awslambdaric_answers_them(client: Any) -> None:
    # msgspec wrote null for each: a Python caller's float('nan') came back None
    answers = [
        client.invoke(FunctionName=f"{runtime}-non-finite", Payload=b"{}")["Payload"].read()
        for runtime in ("lambent", "awslambdaric")
    ]
    lambent, awslambdaric = (json.loads(a, parse_constant=lambda name: name) for a in answers)
    assert lambent == awslambdaric == {
        "nan": "NaN", "inf": ["Infinity", "-Infinity"], "none": None, "one": 1.5,
    }  # fmt: skip


def _json_lines(client: Any, runtime: str) -> list[dict[str, Any]]:
    answer = client.invoke(
        FunctionName=f"{runtime}-json-logs", Payload=b'{"id": 7}', LogType="Tail"
    )
    assert answer["FunctionError"] == "Unhandled"
    request_id = answer["ResponseMetadata"]["RequestId"]
    lines = []
    for line in base64.b64decode(answer["LogResult"]).decode().splitlines():
        if not line.startswith("{"):
            continue  # lambent serve's START/END/REPORT lines
        doc = json.loads(line)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc.pop("timestamp"))
        assert doc.pop("requestId") == request_id
        if "stackTrace" in doc:  # the frames in the user's code: the last one
            doc["stackTrace"] = doc["stackTrace"][-1:]
        lines.append(doc)
    return lines


def test_json_log_format_lines_are_awslambdarics(client: Any) -> None:
    # AWS_LAMBDA_LOG_FORMAT=JSON (Managed Instances' only format) was ignored: text lines,
    # which Lambda's log-level filter counts as INFO (an ERROR record dropped at level
    # WARN); and AWS_LAMBDA_LOG_LEVEL=TRACE set no level (awslambdaric reads it as DEBUG)
    lambent, awslambdaric = _json_lines(client, "lambent"), _json_lines(client, "awslambdaric")
    assert lambent == awslambdaric
    assert [(line["level"], line.get("logger")) for line in lambent] == [
        ("DEBUG", "orders"), ("INFO", "orders"), ("WARNING", "orders"), ("ERROR", "orders"),
        ("ERROR", None),
    ]  # fmt: skip
    assert lambent[1]["message"] == {"order": 7, "step": "checked"}
    assert (lambent[2]["sku"], lambent[2]["left"]) == ("pen", 2)
    assert lambent[3]["errorType"] == "ZeroDivisionError"
    assert (lambent[4]["errorType"], lambent[4]["errorMessage"]) == (
        "ValueError",
        "order 7 refused",
    )


def test_context_log_takes_any_value_and_w3c_gives_the_callers_trace_context(
    client: Any,
) -> None:
    # context.log(a dict) was a TypeError out of sys.stdout.write (awslambdaric writes its
    # str), and context.w3c(), awslambdaric's, an AttributeError
    w3c = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "tracestate": "congo=t61rcWkgMzE", "baggage": 7, "other": "dropped"}  # fmt: skip
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}, "w3c": w3c}).encode())
    logs = {}
    for runtime in ("lambent", "awslambdaric"):
        answer = client.invoke(
            FunctionName=f"{runtime}-context-calls",
            Payload=b"{}",
            ClientContext=context.decode(),
            LogType="Tail",
        )
        assert "FunctionError" not in answer
        assert json.load(answer["Payload"]) == {
            "w3c": {"traceparent": w3c["traceparent"], "tracestate": w3c["tracestate"]}
        }
        log = base64.b64decode(answer["LogResult"]).decode()
        logs[runtime] = log[log.index("\n") + 1 : log.index("END RequestId")]
    assert logs["lambent"] == logs["awslambdaric"] == "{'logged': [1, 2]}42\n"
