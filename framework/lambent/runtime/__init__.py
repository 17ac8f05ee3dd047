"""lambent's own Lambda runtime: ``python -m lambent.runtime HANDLER``.

A Runtime API client (LAMBDA.md §3) that replaces awslambdaric for lambent apps and
plain ``module.function`` handlers: invocation bytes are decoded by msgspec and the
response encoded by it, the app's lifespan is entered during Init, several invocations
run at once under ``AWS_LAMBDA_MAX_CONCURRENCY``, and errors are reported in
awslambdaric's shape. In Lambda it runs through the layer's ``/opt/lambent-wrapper``
(``AWS_LAMBDA_EXEC_WRAPPER``). See docs/runtime.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambent.runtime._entry import main
    from lambent.runtime._hooks import after_restore, before_snapshot

__all__ = ["after_restore", "before_snapshot", "main"]


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: the loop's own start (``python -m
    lambent.runtime``) loads the SnapStart hooks only when something registers one."""
    if name in ("after_restore", "before_snapshot"):
        from lambent.runtime import _hooks

        return getattr(_hooks, name)
    if name == "main":
        from lambent.runtime._entry import main

        return main
    raise AttributeError(f"module 'lambent.runtime' has no attribute {name!r}")
