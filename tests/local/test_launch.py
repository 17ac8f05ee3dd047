"""What a worker process is started with (lambent._local.launch): the handler string the
runtime loads for each kind of target, and the environment Lambda sets (LAMBDA.md §3.4)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lambent._local.launch import (
    SHIM_HANDLER,
    SHIM_TARGET_VAR,
    python_version,
    runtime_handler,
    worker_environ,
)
from lambent._local.model import FunctionConfig

APPS = Path(__file__).parent / "apps"


def test_a_plain_function_is_loaded_by_the_runtime_itself() -> None:
    handler = runtime_handler("tests.local.apps.handlers:echo")
    assert (handler.handler, handler.task_root, handler.env) == (
        "tests.local.apps.handlers.echo", os.getcwd(), {},
    )  # fmt: skip
    by_path = runtime_handler(f"{APPS / 'handlers.py'}:echo")
    assert (by_path.handler, by_path.task_root) == ("handlers.echo", str(APPS))


@pytest.mark.parametrize(
    "target",
    [
        "tests.local.apps.real_app",  # an App (attr defaults to "app")
        "tests.local.apps.handlers:app",  # an object with a handler
        "tests.local.apps.real_app:greet",  # an async def
        "tests.local.apps.broken:handler",  # does not import here: the runtime says why
        "no_such_module_xyz:handler",
    ],
)
def test_anything_else_goes_through_the_shim(target: str) -> None:
    handler = runtime_handler(target)
    assert handler.handler == SHIM_HANDLER
    assert handler.env == {SHIM_TARGET_VAR: target}  # the shim loads it as given


def test_the_environment_is_lambdas_and_drops_what_lambda_never_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=stale")
    monkeypatch.setenv("AWS_LAMBDA_MAX_CONCURRENCY", "8")
    monkeypatch.setenv("PYTHONPATH", "/opt/python")
    config = FunctionConfig(
        name="orders", target="x:y", memory_mb=256, environment={"STAGE": "dev"}
    )
    handler = runtime_handler("tests.local.apps.real_app")
    env = worker_environ(
        config, handler, runtime_api="127.0.0.1:9001", stream="s-1", python=sys.executable
    )
    assert "_X_AMZN_TRACE_ID" not in env and "AWS_LAMBDA_MAX_CONCURRENCY" not in env
    assert env["STAGE"] == "dev" and env[SHIM_TARGET_VAR] == "tests.local.apps.real_app"
    assert (env["AWS_LAMBDA_RUNTIME_API"], env["_HANDLER"]) == ("127.0.0.1:9001", SHIM_HANDLER)
    assert (env["AWS_LAMBDA_FUNCTION_NAME"], env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == (
        "orders",
        "256",
    )
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == "s-1" and env["TZ"] == ":UTC"
    assert (
        env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    assert env["PYTHONPATH"].split(os.pathsep) == [handler.task_root, "/opt/python"]


def test_the_python_version_of_this_interpreter_and_of_another() -> None:
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert python_version(sys.executable) == mine
    assert python_version(str(Path(sys.executable).resolve())) == mine  # asked in a subprocess
