from __future__ import annotations

from tests.aws.conftest import _aws_env, moto_url

__all__ = ["_aws_env", "moto_url"]
