"""What a worker process is started with (lambent._local.launch): the handler string the
runtime loads for each kind of target, and the environment Lambda sets (LAMBDA.md §3.4)."""

from __future__ import annotations

import json
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
from tests.local.conftest import StartServer, fn, lambda_client

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


@pytest.mark.parametrize("what", ["SystemExit", "Abort"])
def test_the_server_never_imports_the_target(monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    # the server's look at a target reads its source: a module that exits, raises its own
    # BaseException or hangs at import (it ended or stalled `lambent serve` before) meets
    # that in the worker's Init, as in Lambda
    monkeypatch.setenv("LAMBENT_TEST_IMPORT_RAISES", what)
    monkeypatch.delitem(sys.modules, "tests.local.apps.exits_at_import", raising=False)
    handler = runtime_handler("tests.local.apps.exits_at_import:handler")
    assert handler.handler == "tests.local.apps.exits_at_import.handler"
    assert "tests.local.apps.exits_at_import" not in sys.modules


@pytest.mark.parametrize(
    "source",
    [
        "import functools\n@functools.lru_cache\ndef handler(event, context): ...\n",
        "async def handler(event, context): ...\n",
        "def handler(event, context): ...\nhandler = object()\n",
        "def handler(event, context): ...\nfrom os import *\n",
        "import os\nif os.environ:\n    def handler(event, context): ...\n",
        "class handler: ...\n",
    ],
    ids=["decorated", "async", "rebound", "star-import", "conditional", "class"],
)
def test_what_is_not_a_plain_def_goes_through_the_shim(tmp_path: Path, source: str) -> None:
    (tmp_path / "fn.py").write_text(source)
    assert runtime_handler(f"{tmp_path / 'fn.py'}:handler").handler == SHIM_HANDLER
    (tmp_path / "plain.py").write_text("import os\n\ndef handler(event, context): ...\n")
    assert runtime_handler(f"{tmp_path / 'plain.py'}:handler").handler == "plain.handler"


@pytest.mark.parametrize("mode", ["lambent", "awslambdaric"])
def test_a_module_exiting_at_import_is_an_exit_error_and_the_server_goes_on(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("LAMBENT_TEST_IMPORT_RAISES", "SystemExit")
    exits = fn("exits", mode=mode, target="tests.local.apps.exits_at_import:handler")
    client = lambda_client(start_server([exits, fn("echo")]).url)
    for _ in range(2):  # each invoke starts a fresh environment whose Init exits again
        response = client.invoke(FunctionName="exits", Payload=b"{}")
        error = json.loads(response["Payload"].read())
        assert response["FunctionError"] == "Unhandled"
        assert error["errorType"] == "Runtime.ExitError"
        assert error["errorMessage"].endswith("Runtime exited with error: exit status 1")
    echoed = client.invoke(FunctionName="echo", Payload=b'{"a": 1}')["Payload"].read()
    assert json.loads(echoed)["event"] == {"a": 1}


@pytest.mark.parametrize("attr", ["handler", "app"])
def test_a_module_python_cannot_compile_is_named_directly(tmp_path: Path, attr: str) -> None:
    # through the shim, the runtime's error named lambent._local.shim as the module
    (tmp_path / "orders.py").write_text("def handler(event, context):\n    return (\n")
    handler = runtime_handler(f"{tmp_path / 'orders.py'}:{attr}")
    assert (handler.handler, handler.env) == (f"orders.{attr}", {})
    (tmp_path / "nul.py").write_bytes(b"app = 1\x00\n")
    assert runtime_handler(f"{tmp_path / 'nul.py'}:app").handler == "nul.app"


@pytest.mark.parametrize("mode", ["lambent", "awslambdaric"])
def test_a_syntax_error_names_the_users_module_as_lambda_does(
    start_server: StartServer, tmp_path: Path, mode: str
) -> None:
    (tmp_path / "orders.py").write_text(
        "from lambent import App\napp = App()\n\ndef broken(:\n    pass\n"
    )
    function = fn("orders", mode=mode, target=f"{tmp_path / 'orders.py'}:app")
    client = lambda_client(start_server([function]).url)
    response = client.invoke(FunctionName="orders", Payload=b"{}")
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'orders': ")
    assert "orders.py" in error["stackTrace"][0]
