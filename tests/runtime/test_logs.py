"""The root logger's awslambdaric lines under ``python -m lambent.runtime``, ``logging`` loaded late."""

from __future__ import annotations

import json
import re
import signal
import subprocess

from tests.runtime.conftest import RuntimeAPI

QUIET = "tests.runtime.apps.quiet"
_LINE = re.compile(
    r"^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(?P<id>\S+)\tsaid (?P<w>\w+)$"
)


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=10)[0].decode()


def test_a_handler_that_never_logs_starts_without_logging(runtime_api_host: RuntimeAPI) -> None:
    modules = ["logging", "threading", "traceback", "runpy"]
    process = runtime_api_host.start(f"{QUIET}.loaded")
    try:
        (outcome,) = runtime_api_host.wait(
            [runtime_api_host.put(json.dumps({"modules": modules}).encode())]
        )
    finally:
        _stop(process)
    assert outcome.error_type is None
    # runpy: ``python -m`` loads it; the rest is what lambent.runtime itself does not load
    assert json.loads(outcome.payload) == {
        "logging": False, "threading": False, "traceback": False, "runpy": True,
    }  # fmt: skip


def test_logging_imported_in_an_invocation_writes_awslambdarics_lines(
    runtime_api_host: RuntimeAPI,
) -> None:
    process = runtime_api_host.start(f"{QUIET}.logs_late")
    try:
        ids = [runtime_api_host.put(json.dumps({"word": w}).encode()) for w in ("one", "two")]
        outcomes = runtime_api_host.wait(ids)
    finally:
        out = _stop(process)
    answers = [json.loads(o.payload) for o in outcomes]
    assert [a["handlers"] for a in answers] == [1, 1]  # one handler, added once
    lines = [m for m in map(_LINE.match, out.splitlines()) if m]
    assert [(m["id"], m["w"]) for m in lines] == list(zip(ids, ("one", "two"), strict=True))


def test_the_log_level_applies_when_logging_comes_late(runtime_api_host: RuntimeAPI) -> None:
    process = runtime_api_host.start(f"{QUIET}.logs_late", AWS_LAMBDA_LOG_LEVEL="error")
    try:
        (outcome,) = runtime_api_host.wait([runtime_api_host.put(b'{"word": "hidden"}')])
    finally:
        out = _stop(process)
    assert outcome.error_type is None
    assert "said hidden" not in out


def test_logging_loaded_past_the_import_system_gets_the_handler_before_the_invocation(
    runtime_api_host: RuntimeAPI,
) -> None:
    process = runtime_api_host.start("tests.runtime.apps.own_import.says")
    try:
        (request,) = ids = [runtime_api_host.put(b'{"word": "hello"}')]
        (outcome,) = runtime_api_host.wait(ids)
    finally:
        out = _stop(process)
    assert json.loads(outcome.payload) == {"handlers": 1}
    assert [(m["id"], m["w"]) for m in map(_LINE.match, out.splitlines()) if m] == [
        (request, "hello")
    ]
