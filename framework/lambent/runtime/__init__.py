"""lambent's own Lambda runtime: ``python -m lambent.runtime HANDLER``.

A Runtime API client (LAMBDA.md §3) that replaces awslambdaric for lambent apps and
plain ``module.function`` handlers: invocation bytes are decoded by msgspec and the
response encoded by it, the app's lifespan is entered during Init, several invocations
run at once under ``AWS_LAMBDA_MAX_CONCURRENCY``, and errors are reported in
awslambdaric's shape. In Lambda it runs through the layer's ``/opt/lambent-wrapper``
(``AWS_LAMBDA_EXEC_WRAPPER``). See docs/runtime.md.
"""

from lambent.runtime._entry import main
from lambent.runtime._hooks import after_restore, before_snapshot

__all__ = ["after_restore", "before_snapshot", "main"]
