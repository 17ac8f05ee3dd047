"""The ``lambent`` subcommands' tests: moto's server (for ``lambent poll``) and fake AWS
credentials, as in tests/aws and tests/local."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws.conftest import moto_url
from tests.cli._voice import CONFIG_ERROR
from tests.moto_server import use_fake_credentials

__all__ = ["_aws_env", "moto_url"]


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch, AWS_SESSION_TOKEN="testing")


@pytest.fixture
def apps(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config_error.py").write_text(CONFIG_ERROR)
    (tmp_path / "import_error.py").write_text("import no_such_module_abc\n")
    (tmp_path / "event.json").write_text("{}")
    return {
        "config": str(tmp_path / "config_error.py"),
        "import": str(tmp_path / "import_error.py"),
        "event": str(tmp_path / "event.json"),
    }


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()
