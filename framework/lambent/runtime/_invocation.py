"""One invocation's context, built from the ``/next`` headers (LAMBDA.md §3.1, §3.3).

The context has awslambdaric's attributes and types (``memory_limit_in_mb`` a string,
``identity`` always present, ``client_context`` parsed from its JSON text, ``tenant_id``).
The request id also lives in a context variable, so log lines name the invocation that
wrote them even when several run at once in one process.
"""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from typing import Any

from lambent._local.context import LocalContext
from lambent.runtime._faults import Fault

#: the request id of the invocation the current task (or worker thread) runs
REQUEST_ID: ContextVar[str | None] = ContextVar("lambent_runtime_request_id", default=None)
TRACE_VAR = "_X_AMZN_TRACE_ID"


def _check_json(text: str | None, name: str) -> None:
    if not text:
        return
    try:
        json.loads(text)
    except ValueError as exc:
        raise Fault(Fault.CONTEXT_UNMARSHAL_ERROR, f"Unable to parse {name} JSON: {exc}") from None


def build_context(headers: dict[str, str]) -> LocalContext:
    """The context of the invocation ``/next`` announced with ``headers`` (lower-case names)."""
    client_context = headers.get("lambda-runtime-client-context")
    identity = headers.get("lambda-runtime-cognito-identity")
    _check_json(client_context, "Client Context")
    _check_json(identity, "Cognito Identity")
    env = os.environ
    return LocalContext.build(
        request_id=headers.get("lambda-runtime-aws-request-id", ""),
        function_name=env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        version=env.get("AWS_LAMBDA_FUNCTION_VERSION", ""),
        invoked_arn=headers.get("lambda-runtime-invoked-function-arn", ""),
        memory_mb=int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0") or 0),
        log_group=env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        log_stream=env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        deadline_ms=int(headers.get("lambda-runtime-deadline-ms", "0") or 0),
        client_context=client_context,
        cognito_identity=identity,
        tenant_id=headers.get("lambda-runtime-aws-tenant-id"),
    )


def set_trace_id(headers: dict[str, str]) -> None:
    """Copy the X-Ray header into ``_X_AMZN_TRACE_ID``, or remove it when there is none."""
    trace = headers.get("lambda-runtime-trace-id")
    if trace:
        os.environ[TRACE_VAR] = trace
    else:
        os.environ.pop(TRACE_VAR, None)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = REQUEST_ID.get() or ""
        return True


def setup_logging() -> None:
    """The root logger writes awslambdaric's text lines: level, time, request id, message."""
    root = logging.getLogger()
    handler = logging.StreamHandler(_Stdout())
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = __import__("time").gmtime
    handler.setFormatter(formatter)
    handler.terminator = ""
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)


class _Stdout:
    """Writes to whatever ``sys.stdout`` is at the time (tests and hosts may swap it)."""

    def write(self, text: str) -> Any:
        import sys

        return sys.stdout.write(text)

    def flush(self) -> None:
        import sys

        sys.stdout.flush()
