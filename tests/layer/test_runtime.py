"""The built layer serves an app in Lambda's shape: real awslambdaric, target Python.

The layer is unzipped into a temporary ``/opt``; an unmodified ``python -m awslambdaric``
of the *target* Python (3.11, 3.12, 3.13 from ``~/.pyenv``) polls ``lambent serve``'s Runtime
API with ``PYTHONPATH`` as Lambda sets it (task root, then the layer's site-packages,
then ``/opt/python``, then the runtime's own folder), and boto3 invokes the function.
Nothing of the test's virtualenv is on the worker's path.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from lambent._local.model import FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from lambent.testing import sqs_event
from tests.layer.conftest import APP_DIR, layer_path, target_python, unzip

pytestmark = [pytest.mark.slow, pytest.mark.network]


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def lambda_client(url: str) -> Any:
    config = Config(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=60)
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", config=config)


def with_worker_python(
    config: FunctionConfig, interpreter: str, monkeypatch: pytest.MonkeyPatch
) -> FunctionConfig:
    """Make the function's awslambdaric workers run ``interpreter`` (``lambent serve --python``)."""
    return dataclasses.replace(config, python=interpreter)


def invoke(client: Any, payload: Any) -> tuple[Any, dict[str, Any]]:
    response = client.invoke(FunctionName="layered", Payload=json.dumps(payload).encode())
    return json.loads(response["Payload"].read()), response


@pytest.mark.parametrize(
    ("python", "compiled"),
    [
        pytest.param("3.11", False, id="py3.11"),
        pytest.param("3.12", False, id="py3.12"),
        pytest.param("3.13", True, id="py3.13-pyc"),
    ],
)
def test_layer_reports_sqs_failures_under_target_python(
    python: str,
    compiled: bool,
    build: Any,
    runtime_client: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interpreter = target_python(python)
    layer = build(python=python, compile=compiled)
    opt = unzip(layer.output, tmp_path / "opt")
    runtime = runtime_client(python)
    config = FunctionConfig(
        name="layered",
        target=f"{APP_DIR / 'layer_app.py'}:handler",
        mode="awslambdaric",
        timeout=30.0,
        environment={
            "PYTHONPATH": os.pathsep.join([*layer_path(opt, python), str(runtime)]),
            "PYTHONNOUSERSITE": "1",
        },
    )
    config = with_worker_python(config, interpreter, monkeypatch)
    event = sqs_event({"id": "a"}, {"id": "b", "poison": True}, {"id": "c"}, queue="orders")
    poison = event["Records"][1]["messageId"]

    with ServerThread(LocalLambda([config], shutdown_timeout=10.0)) as url:
        client = lambda_client(url)
        where, response = invoke(client, {"action": "where"})
        assert "FunctionError" not in response, where
        result, response = invoke(client, event)

    assert "FunctionError" not in response, result
    assert result == {"batchItemFailures": [{"itemIdentifier": poison}]}
    site = opt / f"python/lib/python{python}/site-packages"
    assert where["python"] == python
    assert where["lambent"].startswith(str(site))
    assert where["msgspec"].startswith(str(site))
    layer_entries = [p for p in where["path"] if p.startswith(str(opt))]
    assert layer_entries == layer_path(opt, python)
    assert not any(".venv" in p for p in where["path"])
