"""The ``lambent`` subcommands' tests: moto's server (for ``lambent poll``) and fake AWS
credentials, as in tests/aws and tests/local."""

from __future__ import annotations

import pytest

from tests.aws.conftest import moto_url
from tests.moto_server import use_fake_credentials

__all__ = ["_aws_env", "moto_url"]


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch, AWS_SESSION_TOKEN="testing")
