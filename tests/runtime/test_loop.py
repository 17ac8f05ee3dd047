"""``python -m lambent.runtime`` against a Runtime API: context, Init, errors, concurrency, stop."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from tests.runtime.conftest import Outcome, RuntimeAPI
from tests.runtime.conftest import sigterm as _stop

PLAIN = "tests.runtime.apps.plain"
LIFECYCLE = "tests.runtime.apps.lifecycle.handler"


def test_the_context_comes_from_the_next_headers(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(f"{PLAIN}.echo")
    try:
        first = runtime_api_host.put(
            b'{"a": [1, 2.5, "\xc3\xa9"]}',
            client_context='{"custom": {"k": "v"}, "env": {}, "client": {}}',
            cognito_identity='{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool"}',
            tenant_id="tenant-7",
        )
        second = runtime_api_host.put(b"{}", trace_id="")
        one, two = runtime_api_host.wait([first, second])
    finally:
        _stop(process)
    assert one.error_type is None and one.content_type == "application/json"
    assert json.loads(one.payload) == {
        "event": {"a": [1, 2.5, "é"]},
        "request_id": first,
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:function",
        "memory": "256",
        "trace": "Root=",
        "tenant": "tenant-7",
        "client": {"k": "v"},
        "identity": "id-1",
        "remaining_ok": True,
    }
    # no trace header: _X_AMZN_TRACE_ID is removed, not left from the previous invocation
    assert json.loads(two.payload)["trace"] == "" and json.loads(two.payload)["tenant"] is None


def _invocations(
    host: RuntimeAPI, handler: str, *payloads: bytes
) -> tuple[list[str], list[Outcome], str]:
    """Run ``payloads`` through one ``handler`` process: their request ids, outcomes and
    the process's output once stopped."""
    process = host.start(handler)
    try:
        ids = [host.put(payload) for payload in payloads]
        outcomes = host.wait(ids)
    finally:
        out = _stop(process)
    return ids, outcomes, out


def test_errors_have_awslambdarics_shape_and_the_loop_goes_on(runtime_api_host: RuntimeAPI) -> None:
    ids, outcomes, out = _invocations(
        runtime_api_host, f"{PLAIN}.fail", b'{"value": 1}', b'{"value": 2}'
    )
    for request_id, outcome, value in zip(ids, outcomes, (1, 2), strict=True):
        doc = json.loads(outcome.payload)
        assert outcome.error_type == "ValueError"
        assert list(doc) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert doc["errorMessage"] == f"bad input: {value}" and doc["requestId"] == request_id
        assert len(doc["stackTrace"]) == 1 and "plain.py" in doc["stackTrace"][0]
    assert "[ERROR] ValueError: bad input: 1\rTraceback (most recent call last):\r" in out


def test_an_exception_whose_str_fails_is_that_invocations_error(
    runtime_api_host: RuntimeAPI,
) -> None:
    # it crashed the runtime before (as it crashes awslambdaric's: Runtime.ExitError and a
    # cold start for the next invocation); now it is reported and the same process goes on
    _, outcomes, out = _invocations(runtime_api_host, f"{PLAIN}.unprintable", b"{}", b"{}")
    for outcome in outcomes:
        doc = json.loads(outcome.payload)
        assert (doc["errorType"], doc["errorMessage"]) == (
            "Unprintable",
            "<exception str() failed>",
        )
        assert "plain.py" in doc["stackTrace"][-1]
    assert out.count("[ERROR] Unprintable: <exception str() failed>\r") == 2


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (b"not json", "not valid JSON"),
        (b'{"action": "nap", "seconds": 0', "not valid JSON"),
        (b'"a string"', "JSON str"),
        (b"42", "JSON int"),
    ],
    ids=["not-json", "truncated", "string", "number"],
)
def test_malformed_invocation_bytes_fail_that_invocation_only(
    runtime_api_host: RuntimeAPI, payload: bytes, says: str
) -> None:
    process = runtime_api_host.start(LIFECYCLE)
    try:
        bad = runtime_api_host.put(payload)
        good = runtime_api_host.put(b'{"action": "nap", "seconds": 0}')
        failed, succeeded = runtime_api_host.wait([bad, good])
    finally:
        _stop(process)
    doc = json.loads(failed.payload)
    assert failed.error_type == "Runtime.UnmarshalError"
    assert doc["errorMessage"].startswith("Unable to unmarshal input: ")
    assert says in doc["errorMessage"] and repr(payload[:10])[2:-1] in doc["errorMessage"]
    assert succeeded.error_type is None and json.loads(succeeded.payload)["request_id"] == good


@pytest.mark.parametrize("loops", ["1", "3"])
def test_a_runtime_api_failing_next_ends_the_event_loop_in_one_line(
    runtime_api_host: RuntimeAPI, loops: str
) -> None:
    # /next answering 500 (the environment shutting down): it came out of the loops' task
    # group as an ExceptionGroup traceback on the event loop, one line on the loop without
    process = runtime_api_host.start(LIFECYCLE, AWS_LAMBDA_MAX_CONCURRENCY=loops)
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 0}')
    runtime_api_host.wait([request])
    runtime_api_host.portal.call(runtime_api_host.host.send.close)
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 1
    assert "Traceback" not in out and "ExceptionGroup" not in out
    lines = out.splitlines()
    assert lines[-1].startswith("lambent.runtime: /next answered 500: ")
    assert "the environment is shutting down" in lines[-1]
    assert "lifespan left" in lines  # the lifespan was left on the way out


def test_init_runs_the_lifespan_before_the_first_next_and_sigterm_leaves_it(
    runtime_api_host: RuntimeAPI,
) -> None:
    process = runtime_api_host.start(LIFECYCLE)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"lifespan entered"  # nothing was queued yet
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 0}')
    (outcome,) = runtime_api_host.wait([request])
    assert json.loads(outcome.payload) == {"request_id": request, "connections": 1}
    started = time.monotonic()
    out = _stop(process)
    assert process.returncode == 0 and time.monotonic() - started < 5
    assert out.strip().endswith("lifespan left")


def test_sigterm_lets_the_running_invocation_finish(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(LIFECYCLE)
    assert process.stdout is not None
    process.stdout.readline()
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 0.5}')
    while request not in runtime_api_host.host.delivered_at:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    (outcome,) = runtime_api_host.wait([request])
    process.communicate(timeout=10)
    assert outcome.error_type is None and process.returncode == 0


def test_snap_start_runs_the_hooks_around_restore_next(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(LIFECYCLE, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 0}')
    runtime_api_host.wait([request])
    out = _stop(process)
    assert runtime_api_host.host.restored == 1
    lines = [line for line in out.splitlines() if not line.startswith("[")]
    assert lines[:3] == ["lifespan entered", "before snapshot", "after restore"]


def test_a_failing_before_snapshot_hook_is_an_init_error(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(
        "tests.runtime.apps.snap_fails.handler",
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        SNAP_FAILS="before",
    )
    process.communicate(timeout=20)
    assert process.returncode != 0 and runtime_api_host.host.restored == 0
    (doc,) = runtime_api_host.host.init_errors
    assert doc["errorType"] == "Runtime.BeforeSnapshotError"
    assert doc["errorMessage"] == "OSError: the pool would not close"
    # the hook's own frame (the report had none: where the hook failed was not said)
    (frame,) = doc["stackTrace"]
    assert "snap_fails.py" in frame and "in close_pool" in frame


def test_a_failing_after_restore_hook_is_reported_and_ends_the_process(
    runtime_api_host: RuntimeAPI,
) -> None:
    process = runtime_api_host.start(
        "tests.runtime.apps.snap_fails.handler",
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        SNAP_FAILS="after",
    )
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode != 0 and runtime_api_host.host.restored == 1
    record = next(line for line in out.split("\n") if "Runtime.AfterRestoreError" in line)
    assert record.startswith(
        "[ERROR] Runtime.AfterRestoreError: ConnectionError: the pool would not open\r"
        "Traceback (most recent call last):\r"
    )
    assert "snap_fails.py" in record and "in reopen_pool" in record


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("tests.runtime.apps.import_error.handler", "Runtime.ImportModuleError",
         "Unable to import module 'tests.runtime.apps.import_error': No module named 'lambent_no_such_module'"),
        ("tests.runtime.apps.plain.missing", "Runtime.HandlerNotFound",
         "Handler 'missing' missing on module 'tests.runtime.apps.plain'"),
        ("nodots", "Runtime.MalformedHandlerName",
         "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)"),
        ("tests.runtime.apps.raises_at_import.handler", "RuntimeError", "the module refuses to load"),
    ],
    ids=["import", "missing", "malformed", "raises"],
)  # fmt: skip
def test_init_errors_are_posted_to_init_error(
    runtime_api_host: RuntimeAPI, handler: str, error_type: str, message: str
) -> None:
    process = runtime_api_host.start(handler)
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 1
    (doc,) = runtime_api_host.host.init_errors
    assert (doc["errorType"], doc["errorMessage"]) == (error_type, message)
    assert f"[ERROR] {error_type}: {message}" in out


def test_a_syntax_error_is_a_user_code_syntax_error(
    runtime_api_host: RuntimeAPI, tmp_path: Path
) -> None:
    (tmp_path / "broken_syntax.py").write_text("def handler(event, context)\n    return event\n")
    process = runtime_api_host.start("broken_syntax.handler", LAMBDA_TASK_ROOT=str(tmp_path),
                                     PYTHONPATH=str(tmp_path) + ":" + runtime_api_host.env()["PYTHONPATH"])  # fmt: skip
    process.communicate(timeout=20)
    (doc,) = runtime_api_host.host.init_errors
    assert doc["errorType"] == "Runtime.UserCodeSyntaxError"
    assert doc["errorMessage"].startswith("Syntax error in module 'broken_syntax': ")


_LINE = re.compile(r"^\[WARNING\]\t\S+\t(?P<column>\S+)\t(?:start|end) (?P<message>\S+)$")


@pytest.mark.parametrize(
    "handler", [LIFECYCLE, f"{PLAIN}.sleep_and_log"], ids=["async-app", "plain-def"]
)
def test_max_concurrency_runs_invocations_at_once_without_mixing_request_ids(
    runtime_api_host: RuntimeAPI, handler: str
) -> None:
    process = runtime_api_host.start(handler, AWS_LAMBDA_MAX_CONCURRENCY="8")
    try:
        ids = [runtime_api_host.put(b'{"action": "nap", "seconds": 0.2}') for _ in range(8)]
        outcomes = runtime_api_host.wait(ids)
    finally:
        out = _stop(process)
    host = runtime_api_host.host
    elapsed = max(host.done_at[r] for r in ids) - min(host.delivered_at[r] for r in ids)
    assert elapsed < 0.2 * 4, f"8 invocations of 0.2 s took {elapsed:.2f} s"
    for request_id, outcome in zip(ids, outcomes, strict=True):
        assert json.loads(outcome.payload)["request_id"] == request_id
    lines = [m for m in map(_LINE.match, out.splitlines()) if m]
    assert len(lines) == 16
    assert all(m["column"] == m["message"] for m in lines)
    assert {m["column"] for m in lines} == set(ids)


def test_more_than_40_plain_invocations_run_at_once(runtime_api_host: RuntimeAPI) -> None:
    # each runs in a worker thread: anyio's default limiter of 40 threads held the 41st
    # back until one of the first 40 had finished (Lambda sets up to 1,600)
    process = runtime_api_host.start(f"{PLAIN}.window", AWS_LAMBDA_MAX_CONCURRENCY="48")
    try:
        ids = [runtime_api_host.put(b'{"seconds": 1.0}') for _ in range(48)]
        windows = [json.loads(o.payload) for o in runtime_api_host.wait(ids, timeout=30)]
    finally:
        _stop(process)
    # all 48 were running at one moment: the last to start began before the first ended
    assert max(w["start"] for w in windows) < min(w["end"] for w in windows)


def test_sigterm_ends_the_loop_of_a_handler_that_never_awaits(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(f"{PLAIN}.echo")  # the loop without an event loop
    request = runtime_api_host.put(b'{"n": 1}')
    (outcome,) = runtime_api_host.wait([request])
    assert json.loads(outcome.payload)["event"] == {"n": 1}
    started = time.monotonic()
    _stop(process)
    assert process.returncode == 0 and time.monotonic() - started < 5


def test_a_plain_handler_starts_without_the_socket_signal_loop_or_app_modules(
    runtime_api_host: RuntimeAPI,
) -> None:
    # what the cold start of the loop without an event loop stays free of: socket and
    # signal (their enums), the IDNA codec a str host would pull into getaddrinfo, any
    # event loop, structlog, and lambent's app core (the public names load on first use)
    heavy = [
        "socket", "selectors", "signal", "encodings.idna", "unicodedata", "asyncio", "anyio",
        "structlog", "lambent._app", "lambent._pipeline", "lambent.http",
    ]  # fmt: skip
    process = runtime_api_host.start(f"{PLAIN}.loaded")
    try:
        (outcome,) = runtime_api_host.wait(
            [runtime_api_host.put(json.dumps({"modules": heavy}).encode())]
        )
    finally:
        _stop(process)
    assert outcome.error_type is None
    assert json.loads(outcome.payload) == dict.fromkeys(heavy, False)


@pytest.mark.parametrize(
    ("where", "kind", "code"),
    [("before", "exit", 64), ("before", "interrupt", 64), ("after", "custom", 65),
     ("after", "exit", 65)],
)  # fmt: skip
def test_a_snap_start_hook_raising_a_base_exception_is_reported_as_awslambdaric_does(
    runtime_api_host: RuntimeAPI, where: str, kind: str, code: int
) -> None:
    # awslambdaric catches everything a hook raises (a bare except): the failure is
    # reported and the process exits 64 (before the snapshot) or 65 (after the restore)
    process = runtime_api_host.start(
        "tests.runtime.apps.escapes.handler",
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        ESCAPE_SNAP=where,
        ESCAPE_KIND=kind,
    )
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode == code
    expected = {"exit": "SystemExit: 3", "interrupt": "KeyboardInterrupt: ",
                "custom": "Custom: own base exception"}[kind]  # fmt: skip
    if where == "before":
        (doc,) = runtime_api_host.host.init_errors
        assert doc["errorType"] == "Runtime.BeforeSnapshotError"
        assert doc["errorMessage"] == expected
        assert runtime_api_host.host.restored == 0
    else:
        assert runtime_api_host.host.restored == 1
        assert f"[ERROR] Runtime.AfterRestoreError: {expected}" in out
    assert out.strip().endswith("lifespan leaving")  # the lifespan was left on the way out


def test_a_base_exception_under_max_concurrency_lets_the_other_invocations_finish(
    runtime_api_host: RuntimeAPI,
) -> None:
    # awslambdaric runs one process per concurrent invocation: a handler's SystemExit ends
    # that one alone. Here the process ends as it would, but only once the invocations
    # the other loops run are answered (they were cut off unanswered before)
    process = runtime_api_host.start(
        "tests.runtime.apps.escapes.raise_it", AWS_LAMBDA_MAX_CONCURRENCY="3"
    )
    slow = runtime_api_host.put(b'{"sleep": 1}')
    while slow not in runtime_api_host.host.delivered_at:
        time.sleep(0.01)
    exits = runtime_api_host.put(b'{"kind": "exit"}')
    (answered,) = runtime_api_host.wait([slow])
    process.communicate(timeout=10)
    assert process.returncode == 3  # SystemExit(3), as the handler said
    assert answered.error_type is None and json.loads(answered.payload) == {"raised": None}
    assert exits not in runtime_api_host.host.outcomes  # Lambda answers it Runtime.ExitError
