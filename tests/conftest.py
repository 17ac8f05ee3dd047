from __future__ import annotations

import json
from typing import Any

import pytest
import structlog

from tests import corpus


@pytest.fixture
def require_corpus() -> None:
    corpus.require()


@pytest.fixture
def lambda_logs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run as inside Lambda with structlog unconfigured; returns a reader of JSON log lines."""
    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")

    def read() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    return read
