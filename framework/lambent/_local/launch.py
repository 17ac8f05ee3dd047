"""What a worker process is started with: the handler string awslambdaric loads, the
module it runs, and the environment variables Lambda sets (LAMBDA.md §3.4)."""

from __future__ import annotations

import functools
import inspect
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lambent._loading import load_object
from lambent._local.model import LATEST, FunctionConfig

SHIM_HANDLER = "lambent._local.shim.handler"
SHIM_TARGET_VAR = "LAMBENT_LOCAL_APP"
#: the module a worker runs, per runtime client
CLIENTS = {
    "awslambdaric": "awslambdaric",
    "lambent": "lambent.runtime",
    "in-process": "awslambdaric",
}


@dataclass(frozen=True)
class RuntimeHandler:
    """The ``_HANDLER`` string, the task root on ``PYTHONPATH`` and extra variables."""

    handler: str
    task_root: str
    env: dict[str, str] = field(default_factory=dict)


def runtime_handler(target: str) -> RuntimeHandler:
    """Turn ``module:attr`` or ``path.py[:attr]`` into a handler awslambdaric can load.

    A plain function is named directly (``module.function``); anything else (an App,
    an object with ``handler``), or a target that does not import here, goes through the
    small :mod:`lambent._local.shim` module, so import errors surface as the runtime's
    init errors, as in Lambda.
    """
    spec, _, attr = target.partition(":")
    attr = attr or "app"
    if spec.endswith(".py") or "/" in spec:
        path = Path(spec).resolve()
        root, module, target = str(path.parent), path.stem, f"{path}:{attr}"
    else:
        root, module = os.getcwd(), spec
    try:
        obj = load_object(target)
    except Exception:
        obj = None
    if "." not in attr and inspect.isfunction(obj) and not inspect.iscoroutinefunction(obj):
        return RuntimeHandler(f"{module}.{attr}", root)
    return RuntimeHandler(SHIM_HANDLER, root, {SHIM_TARGET_VAR: target})


def worker_environ(
    cfg: FunctionConfig, handler: RuntimeHandler, *, runtime_api: str, stream: str, python: str
) -> dict[str, str]:
    """The environment of a worker process: this one's, the function's variables, and
    what Lambda sets (``runtime_api``: the Runtime API's ``host:port``; ``stream``: the log
    stream name)."""
    env = {**os.environ, **cfg.environment, **handler.env}
    for reserved in ("_X_AMZN_TRACE_ID", "AWS_LAMBDA_MAX_CONCURRENCY", "PYTHONSTARTUP"):
        env.pop(reserved, None)
    path = [handler.task_root, *filter(None, [env.get("PYTHONPATH")])]
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "_HANDLER": handler.handler,
            "AWS_REGION": cfg.region,
            "AWS_DEFAULT_REGION": cfg.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python_version(python)}",
            "AWS_LAMBDA_FUNCTION_NAME": cfg.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": cfg.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "LAMBDA_TASK_ROOT": handler.task_root,
            "LAMBDA_RUNTIME_DIR": str(Path(python).parent.parent),
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@functools.cache
def python_version(interpreter: str) -> str:
    """``3.12`` for an interpreter (asked once; this process's own without asking)."""
    if interpreter == sys.executable:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    done = subprocess.run(
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return done.stdout.strip()
