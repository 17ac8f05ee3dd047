from __future__ import annotations

from pathlib import Path

import pytest

from tests.aws.conftest import _aws_env, moto_url

__all__ = ["_aws_env", "moto_url", "poll_log"]


@pytest.fixture
def poll_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The JSON-lines file the test apps log each processed record to (``$POLL_LOG``),
    and a fresh ``$POLL_STATE_DIR`` for their fail-once markers."""
    log = tmp_path / "log.jsonl"
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("POLL_LOG", str(log))
    monkeypatch.setenv("POLL_STATE_DIR", str(state))
    return log
