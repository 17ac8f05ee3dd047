"""lambent's logging: text from events that no UTF-8 output accepts never breaks a log line,
the invocation, or the logger (structlog unconfigured, in and out of Lambda)."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
import structlog

from lambent import App, Logger
from lambent.testing import FakeContext, sqs_event

LONE = "\ud800"


def _app() -> App:
    app = App()

    @app.sqs()
    def handle(body: str, logger: Logger) -> None:
        logger.info("seen")
        raise ValueError(f"cannot take {body}")

    return app


def _event() -> dict[str, Any]:
    event = sqs_event("fine", "also fine")
    event["Records"][0]["messageId"] = f"id-{LONE}"
    event["Records"][0]["body"] = f"text {LONE}"
    return event


def _run_on_strict_stdout(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """Run the app with ``sys.stdout`` as Lambda's (UTF-8, strict): its result and output."""
    structlog.reset_defaults()
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        out = _app().handler(_event(), FakeContext())
        text = raw.getvalue().decode()
    return out, text


def test_lone_surrogates_in_lambdas_json_logs_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    out, text = _run_on_strict_stdout(monkeypatch)
    assert len(out["batchItemFailures"]) == 2
    lines = [json.loads(line) for line in text.splitlines()]
    failed = {e["record_id"]: e for e in lines if e["event"] == "record failed"}
    assert "id-\\ud800" in failed
    assert failed["id-\\ud800"]["error"] == "ValueError: cannot take text \\ud800"
    assert any(e["event"] == "seen" and e["record_id"] == "id-\\ud800" for e in lines)


def test_lone_surrogates_with_structlogs_defaults_never_raise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    out, text = _run_on_strict_stdout(monkeypatch)
    assert len(out["batchItemFailures"]) == 2
    assert "record_id=id-\\ud800" in text and "cannot take text \\" in text
