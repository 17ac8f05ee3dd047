from __future__ import annotations

import json
from typing import Any

import pytest
import structlog
from hypothesis import HealthCheck, settings

from tests import corpus

pytest_plugins = ["tests.idempotency_stores"]

# Property tests check what holds, never how fast: speed lives in benchmarks/. Without
# this, Hypothesis fails an example that takes over 200 ms (or data that is slow to
# draw), which a loaded CI machine can cause for any of them.
settings.register_profile("lambent", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lambent")


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


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests run keep their state (``lambent serve``'s queue) out of ~/.cache."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
