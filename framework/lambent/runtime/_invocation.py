"""One invocation's context, built from the ``/next`` headers (LAMBDA.md §3.1, §3.3).

The context has awslambdaric's attributes and types (``memory_limit_in_mb`` a string,
``identity`` always present, ``client_context`` parsed from its JSON text, ``tenant_id``).
The request id also lives in a context variable, so log lines name the invocation that
wrote them even when several run at once in one process.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from lambent._deadline import WALL_CLOCK_CONTEXTS
from lambent.runtime._faults import Fault, error_from, json_format, log_error, xray_cause

if TYPE_CHECKING:
    from lambent.runtime._target import Invoker, Target

BASE = "/2018-06-01/runtime"
NEXT = f"{BASE}/invocation/next"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"

#: the request id of the invocation the current task (or worker thread) runs
REQUEST_ID: ContextVar[str | None] = ContextVar("lambent_runtime_request_id", default=None)
TRACE_VAR = "_X_AMZN_TRACE_ID"


class CognitoIdentity:
    """``context.identity``: always present, ``None`` values unless the header came."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, doc: Any = None) -> None:
        doc = doc if isinstance(doc, dict) else {}
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class Client:
    """``context.client_context.client``: the mobile app that invoked."""

    __slots__ = ("app_package_name", "app_title", "app_version_code", "app_version_name",
                 "installation_id")  # fmt: skip
    # each as the caller's JSON has it (a string, or None when absent): not checked
    app_package_name: Any
    app_title: Any
    app_version_code: Any
    app_version_name: Any
    installation_id: Any

    def __init__(self, doc: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, doc.get(name))


class ClientContext:
    """``context.client_context``: ``client``, ``custom`` and ``env``, as awslambdaric parses them."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, doc: dict[str, Any]) -> None:
        client = doc.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = doc.get("custom")
        self.env = doc.get("env")


class Context:
    """The Lambda context of one invocation: awslambdaric's attributes and types."""

    __slots__ = ("_deadline_ms", "_w3c", "aws_request_id", "client_context", "function_name",
                 "function_version", "identity", "invoked_function_arn", "log_group_name",
                 "log_stream_name", "memory_limit_in_mb", "tenant_id")  # fmt: skip

    def __init__(self, headers: dict[str, str]) -> None:
        env = os.environ
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id", "")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn", "")
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0") or 0)
        self.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        client = _json_header(headers.get("lambda-runtime-client-context"), "Client Context")
        self.client_context: ClientContext | None
        if isinstance(client, dict):
            self.client_context = ClientContext(client)
            self._w3c = _w3c_fields(client.get("w3c"))
        else:
            self.client_context = None
            self._w3c = _NO_W3C
        identity = _json_header(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity")
        self.identity = CognitoIdentity(identity)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    #: the clock of the remaining time (:mod:`lambent._deadline` reads it without the call)
    _clock = time.time

    def w3c(self) -> dict[str, str]:
        """The W3C trace context the caller sent in its client context (``w3c``:
        ``traceparent``, ``tracestate``, ``baggage``, each when it is text), as
        awslambdaric's ``context.w3c()`` gives it."""
        return dict(self._w3c)

    def log(self, msg: Any) -> None:
        """Write ``msg`` (any value, as its ``str``) to the function's log, unterminated."""
        sys.stdout.write(str(msg))


WALL_CLOCK_CONTEXTS.add(Context)

#: the W3C trace-context fields ``context.w3c()`` gives (awslambdaric's allowlist)
_W3C_FIELDS = ("traceparent", "tracestate", "baggage")
_NO_W3C: dict[str, str] = {}


def _w3c_fields(doc: Any) -> dict[str, str]:
    if not isinstance(doc, dict):
        return _NO_W3C
    return {key: doc[key] for key in _W3C_FIELDS if isinstance(doc.get(key), str)}


def _json_header(text: str | None, name: str) -> Any:
    if not text:
        return None
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise Fault(Fault.CONTEXT_UNMARSHAL_ERROR, f"Unable to parse {name} JSON: {exc}") from None


def build_context(headers: dict[str, str]) -> Context:
    """The context of the invocation ``/next`` announced with ``headers`` (lower-case names)."""
    return Context(headers)


def set_trace_id(headers: dict[str, str]) -> None:
    """Copy the X-Ray header into ``_X_AMZN_TRACE_ID``, or remove it when there is none."""
    trace = headers.get("lambda-runtime-trace-id")
    if trace:
        os.environ[TRACE_VAR] = trace
    else:
        os.environ.pop(TRACE_VAR, None)


class Post(NamedTuple):
    """A request to make to the Runtime API: path, body, headers."""

    path: str
    #: the body, or (a streamed response) its chunks as produced
    body: bytes | AsyncIterator[bytes]
    headers: dict[str, str]


def error_post(path: str, exc: BaseException, request_id: str | None = None,
               headers: dict[str, str] | None = None, trace: list[str] | None = None) -> Post:  # fmt: skip
    """Log ``exc`` as awslambdaric does and build the error report for ``path`` (``trace``:
    the stack trace to report, when not the frames below the runtime)."""
    import msgspec

    doc = error_from(exc, request_id, trace)
    log_error(doc)
    sent = {"Content-Type": "application/json", **(headers or {})}
    cause = xray_cause(exc)
    if cause:
        sent["Lambda-Runtime-Function-XRay-Error-Cause"] = cause
    return Post(path, msgspec.json.encode(doc), sent)


async def run_invocation(target: Invoker, headers: dict[str, str], body: bytes) -> Post:
    """Run the invocation ``/next`` delivered (its headers lower-case); returns what to
    post: the response, or the error in awslambdaric's shape. Does no I/O itself, so the
    loops (async or not) only move bytes."""
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    token = REQUEST_ID.set(request_id)
    set_trace_id(headers)
    try:
        context = build_context(headers)
        payload, content_type = await target.invoke(body, headers.get("content-type"), context)
    except Exception as exc:
        return error_post(f"{BASE}/invocation/{request_id}/error", exc, request_id)
    finally:
        REQUEST_ID.reset(token)
    return Post(f"{BASE}/invocation/{request_id}/response", payload, {"Content-Type": content_type})


def run_invocation_now(target: Target, headers: dict[str, str], body: bytes) -> Post:
    """:func:`run_invocation` for the loop-free loop, through the target's ``invoke_now``
    (no coroutine when the target answers straight away)."""
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    token = REQUEST_ID.set(request_id)
    set_trace_id(headers)
    try:
        context = build_context(headers)
        payload, content_type = target.invoke_now(body, headers.get("content-type"), context)
    except Exception as exc:
        return error_post(f"{BASE}/invocation/{request_id}/error", exc, request_id)
    finally:
        REQUEST_ID.reset(token)
    return Post(f"{BASE}/invocation/{request_id}/response", payload, {"Content-Type": content_type})


def init_error_post(exc: BaseException, trace: list[str] | None = None) -> Post:
    """The ``/init/error`` report (after awslambdaric's warning line)."""
    import sys

    if json_format():  # as awslambdaric's logging.warning writes it then
        from lambent.runtime._json_logs import warning_line

        sys.stdout.write(warning_line(_UNHANDLED_WARNING))
    else:
        sys.stdout.write(_UNHANDLED_WARNING + "\n")
    post = error_post(f"{BASE}/init/error", exc, trace=trace)
    post.headers[ERROR_TYPE] = error_from(exc)["errorType"]
    return post


_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code."
)
