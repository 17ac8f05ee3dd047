"""Errors as the Python runtime (awslambdaric) reports them, and handler loading as it does it.

An invocation error is posted as ``{"errorMessage", "errorType", "requestId",
"stackTrace"}`` with the frames of the runtime itself left out, and logged as one
``[ERROR] Type: message`` record whose lines are joined by ``\\r`` (so CloudWatch keeps
them together). Handler names follow awslambdaric's rules (LAMBDA.md §3.2): split on the
last ``.``, ``/`` in the module part becomes ``.``, and each way a name can fail has its
``Runtime.*`` error type and message.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from traceback import StackSummary

#: the files of the runtime's own frames (and of the loop-free stepping of its invocations)
_OWN_FILES = (
    os.sep + os.path.join("lambent", "runtime") + os.sep,
    os.sep + os.path.join("lambent", "_runtime.py"),
)


class Fault(Exception):
    """An error of the runtime itself (``Runtime.*``), with awslambdaric's type and message."""

    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    MARSHAL_ERROR = "Runtime.MarshalError"
    CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"
    BEFORE_SNAPSHOT_ERROR = "Runtime.BeforeSnapshotError"
    AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"
    #: lambent's own: the app's lifespan failed while being left (no awslambdaric name)
    SHUTDOWN_ERROR = "ShutdownError"

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def make_error(
    message: str, error_type: str, trace: list[str], request_id: str | None = None
) -> dict[str, Any]:
    """The error document, key for key as awslambdaric builds it."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": trace or [],
    }


def _user_frames(tb: TracebackType | None) -> StackSummary:
    import traceback  # only for errors: a cold start without one does not load it

    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not any(part in frame.filename for part in _OWN_FILES):
            return traceback.StackSummary.from_list(frames[i:])
    return frames


def message_of(exc: BaseException) -> str:
    """``str(exc)``; when the exception's own ``__str__`` fails (raises, or returns what is
    no text), what Python's traceback prints then. awslambdaric calls ``str`` unguarded
    and its process dies reporting such an error; here it is that invocation's error."""
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"


def error_from(
    exc: BaseException, request_id: str | None = None, trace: list[str] | None = None
) -> dict[str, Any]:
    """The error document for an exception (a :class:`Fault` keeps its own type and trace;
    ``trace``, when given, is the stack trace instead of the frames below the runtime)."""
    if isinstance(exc, Fault):
        return make_error(exc.message, exc.error_type, exc.trace, request_id)
    if trace is None:
        import traceback

        frames = [
            (f.filename, f.lineno or 0, f.name, f.line) for f in _user_frames(exc.__traceback__)
        ]
        trace = traceback.format_list(frames)
    return make_error(message_of(exc), type(exc).__name__, trace, request_id)


def xray_cause(exc: BaseException) -> str:
    """The ``Lambda-Runtime-Function-XRay-Error-Cause`` header awslambdaric sends."""
    frames = [] if isinstance(exc, Fault) else _user_frames(exc.__traceback__)
    stack = [{"label": f.name, "path": f.filename, "line": f.lineno} for f in frames]
    kind = "LambdaValidationError" if isinstance(exc, Fault) else type(exc).__name__
    message = exc.message if isinstance(exc, Fault) else message_of(exc)
    cause = {
        "working_directory": os.getcwd(),
        "exceptions": [{"message": message, "type": kind, "stack": stack}],
        "paths": sorted({f.filename for f in frames}),
    }
    import msgspec

    text = msgspec.json.encode(cause).decode()
    return "" if len(text.encode()) >= 1024 * 1024 else text


def json_format() -> bool:
    """Whether the function's log format is JSON (``AWS_LAMBDA_LOG_FORMAT``, which Lambda
    sets for JSON logs, the only format of Managed Instances)."""
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def log_error(doc: dict[str, Any]) -> None:
    """Write the error to stdout as awslambdaric does: its text format (lines joined by
    ``\\r``), or with ``AWS_LAMBDA_LOG_FORMAT=JSON`` one JSON object at level ``ERROR``."""
    if json_format():
        from lambent.runtime._json_logs import error_line

        sys.stdout.write(error_line(doc))
        sys.stdout.flush()
        return
    line = "[ERROR]"
    if doc.get("errorType"):
        line += " " + str(doc["errorType"])
    if doc.get("errorMessage"):
        line += (":" if doc.get("errorType") else "") + " " + str(doc["errorMessage"])
    lines = [line, "Traceback (most recent call last):"]
    for element in doc.get("stackTrace") or []:
        for text in str(element).splitlines() or [""]:
            stripped = text.lstrip(" ")
            lines.append("\u00a0" * (len(text) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def load_handler(handler: str) -> Any:
    """Import ``module.function`` as awslambdaric does; failures raise :class:`Fault`."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise Fault(Fault.MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {exc}") from None
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                Fault.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {module_name} as a handler module",
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        message = f"Unable to import module '{module_name}': {exc}"
        raise Fault(Fault.IMPORT_MODULE_ERROR, message) from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        message = f"Syntax error in module '{module_name}': {exc}"
        raise Fault(Fault.USER_CODE_SYNTAX_ERROR, message, trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise Fault(Fault.HANDLER_NOT_FOUND, message) from None
