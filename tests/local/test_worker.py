"""The worker's environment: what a function's runtime process is started with."""

from __future__ import annotations

import io
import os

import pytest

from lambent._local.launch import RuntimeHandler
from lambent._local.model import FunctionConfig
from lambent._local.worker import Environment

# -- §3.3/§3.4/§3.6: context types and the import path --------------------------------------


def test_worker_environment_memory_string_and_layer_path_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LAMBDA.md §3.6: /var/task (task root) first, then the layer's site-packages, then
    # /opt/python, in that order (a layer path must never shadow the function's code)
    layer = [
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
    ]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(layer))
    config = FunctionConfig(name="f", target="x:y", memory_mb=512)
    env = Environment(config, RuntimeHandler("m.h", "/var/task"), None, io.StringIO())  # type: ignore[arg-type]  # no task group: starts nothing
    environ = env.environ()
    assert environ["PYTHONPATH"].split(os.pathsep) == ["/var/task", *layer]
    assert environ["LAMBDA_TASK_ROOT"] == "/var/task"
    # LAMBDA.md §3.3/§3.4: the memory size reaches the runtime as a string of MB
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert "_X_AMZN_TRACE_ID" not in environ
