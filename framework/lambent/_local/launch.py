"""What a worker process is started with: the handler string awslambdaric loads, the
module it runs, and the environment variables Lambda sets (LAMBDA.md §3.4)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambent._local.model import LATEST, FunctionConfig

if TYPE_CHECKING:
    import ast

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
    an object with ``handler``), or a target that cannot be told a plain function, goes
    through the small :mod:`lambent._local.shim` module, so import errors surface as the
    runtime's init errors, as in Lambda. The target's source is read, never imported:
    the server runs none of the function's code (a module that hangs, exits or has side
    effects at import meets them in the worker's Init, as in Lambda).
    """
    spec, _, attr = target.partition(":")
    attr = attr or "app"
    if spec.endswith(".py") or "/" in spec:
        path: Path | None = Path(spec).resolve()
        assert path is not None
        root, module, target = str(path.parent), path.stem, f"{path}:{attr}"
    else:
        root, module = os.getcwd(), spec
        path = _module_source(spec, root)
    tree = None if path is None else _parsed(path)
    if path is not None and tree is None:
        # its import fails in the runtime's Init whatever is named: named directly, the
        # UserCodeSyntaxError names the user's module, as Lambda's does (through the shim
        # it named lambent._local.shim)
        return RuntimeHandler(f"{module}.{attr}", root)
    if "." not in attr and tree is not None and _plain_function(tree, attr):
        return RuntimeHandler(f"{module}.{attr}", root)
    return RuntimeHandler(SHIM_HANDLER, root, {SHIM_TARGET_VAR: target})


def _module_source(module: str, root: str) -> Path | None:
    """The file of ``module`` on the task root or ``sys.path``, found without importing
    it or its packages."""
    parts = module.split(".")
    for base in (root, *sys.path):
        candidate = Path(base or os.getcwd(), *parts)
        for path in (candidate.with_name(candidate.name + ".py"), candidate / "__init__.py"):
            if path.is_file():
                return path
    return None


def _parsed(path: Path) -> ast.Module | None:
    """The syntax tree of the source at ``path``; ``None`` when Python cannot compile it
    (a syntax error, a NUL byte). A file that cannot be read counts as parsed (empty):
    the runtime's import says why."""
    import ast

    try:
        source = path.read_bytes()
    except OSError:
        return ast.Module(body=[], type_ignores=[])
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _plain_function(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is a plain ``def`` at the top of the module ``tree``, undecorated
    and not bound again there (an ``async def``, a class, an assignment or an import: no)."""
    import ast

    plain = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            plain = not node.decorator_list
        elif name in (bound := _bound(node)) or "*" in bound:
            plain = False
    return plain


def _bound(node: ast.AST) -> set[str]:
    """The names a top-level statement other than a plain ``def`` binds, anywhere in it
    (``"*"`` for a star import)."""
    import ast

    names: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(inner.name)
        elif isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
            names.add(inner.id)
        elif isinstance(inner, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).partition(".")[0] for a in inner.names}
    return names


def lambda_variables(cfg: FunctionConfig, python: str = sys.executable) -> dict[str, str]:
    """What Lambda sets in the environment of function ``cfg`` from its configuration
    alone (not its log stream, handler or Runtime API, which belong to one environment)."""
    return {
        "AWS_REGION": cfg.region,
        "AWS_DEFAULT_REGION": cfg.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python_version(python)}",
        "AWS_LAMBDA_FUNCTION_NAME": cfg.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": cfg.log_group,
    }


def shared_lambda_variables(configs: Sequence[FunctionConfig]) -> dict[str, str]:
    """The :func:`lambda_variables` every function of ``configs`` has the same value of:
    what functions sharing one process's environment can all be given (with one function,
    all of them; with several, not their names, memory sizes or log groups when those
    differ)."""
    each = [lambda_variables(cfg) for cfg in configs]
    if not each:
        return {}
    return {k: v for k, v in each[0].items() if all(other.get(k) == v for other in each[1:])}


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
    env.update(lambda_variables(cfg, python))
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "_HANDLER": handler.handler,
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
