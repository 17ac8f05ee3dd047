"""The two error channels of Lambda's Invoke API (LAMBDA.md §1.3, §1.4).

* A **service error** means the function never ran: an HTTP status, the header
  ``x-amzn-ErrorType`` and a body ``{"Type": "User", "message" | "Message": ...}`` whose
  message key differs per exception. :class:`ServiceError` is one of those.
* A **function error** means the function ran and failed: status 200, the header
  ``X-Amz-Function-Error: Unhandled`` and a body ``{errorMessage, errorType, stackTrace}``.
  :func:`function_error` and friends build those bodies.
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from types import TracebackType
from typing import Any

import msgspec

#: deepest JSON nesting an invocation payload may have (a local limit; Lambda's is undocumented)
MAX_JSON_DEPTH = 256
#: exceptions whose body spells the key ``Message`` (the others use ``message``)
_CAPITAL_MESSAGE = frozenset({"ResourceNotFoundException", "ServiceException"})


class ServiceError(Exception):
    """An Invoke API error answered before (or instead of) running the function."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        kind: str = "User",
        headers: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> bytes:
        key = "Message" if self.code in _CAPITAL_MESSAGE else "message"
        doc: dict[str, str] = {"Type": self.kind, key: self.message, **self.extra}
        return json.dumps(doc).encode()

    def all_headers(self) -> dict[str, str]:
        return {
            "x-amzn-ErrorType": self.code,
            "Content-Type": "application/json",
            **self.headers,
        }


def not_found(arn: str) -> ServiceError:
    return ServiceError(404, "ResourceNotFoundException", f"Function not found: {arn}")


def invalid_json(reason: str) -> ServiceError:
    return ServiceError(
        400,
        "InvalidRequestContentException",
        f"Could not parse request body into json: {reason}",
    )


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameterValueException", message)


def too_large(size: int, asynchronous: bool, limit: int) -> ServiceError:
    if asynchronous:
        message = (
            f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)"
        )
    else:
        message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
    return ServiceError(413, "RequestEntityTooLargeException", message)


def throttled(retry_after: int = 1) -> ServiceError:
    return ServiceError(
        429,
        "TooManyRequestsException",
        "Rate Exceeded.",
        headers={"Retry-After": str(retry_after)},
        extra={"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"},
    )


def service_unavailable(message: str) -> ServiceError:
    return ServiceError(500, "ServiceException", message, kind="Service")


# -- function-error payloads -------------------------------------------------------------


def error_document(
    message: str, error_type: str, stack: list[str] | None = None, request_id: str | None = None
) -> dict[str, Any]:
    """``{errorMessage, errorType, requestId, stackTrace}`` in the Python runtime's key order."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id or "",
        "stackTrace": stack or [],
    }


def function_error(
    exc: BaseException, tb: TracebackType | None, request_id: str, skip: int = 0
) -> dict[str, Any]:
    """The body the Python runtime posts for an exception raised by a handler.

    ``skip`` drops that many outermost frames (the local runner's own) so the trace
    starts in user code, as the runtime's does.
    """
    frames = traceback.extract_tb(tb)[skip:]
    return error_document(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def init_error(exc: BaseException) -> dict[str, Any]:
    """The body of an Init failure (the app's lifespan raised ``exc`` while entered), as
    ``lambent.runtime`` posts it to ``/init/error``: no request id, the frames of the
    user's code."""
    from lambent._tracebacks import user_trace

    return error_document(str(exc), type(exc).__name__, user_trace(exc))


def shutdown_error(exc: BaseException) -> dict[str, Any]:
    """The ``ShutdownError`` record of a lifespan that raised ``exc`` while left, as
    ``lambent.runtime`` logs it."""
    from lambent._lifespans import failure
    from lambent._tracebacks import user_trace

    return error_document(failure("shutdown", exc), "ShutdownError", user_trace(exc))


def timeout_error(request_id: str, timeout: float) -> dict[str, Any]:
    """The platform's timeout error (UNCONFIRMED body; LAMBDA.md §1.3)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    message = f"{now} {request_id} Task timed out after {timeout:.2f} seconds"
    return {"errorMessage": message, "errorType": "Sandbox.Timedout"}


def response_too_large(size: int, limit: int) -> dict[str, Any]:
    return {
        "errorMessage": (
            f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            f"({limit} bytes)."
        ),
        "errorType": "Function.ResponseSizeTooLarge",
    }


def runtime_exit(request_id: str, detail: str) -> dict[str, Any]:
    return {
        "errorMessage": f"RequestId: {request_id} Error: {detail}",
        "errorType": "Runtime.ExitError",
    }


def encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def check_payload(body: bytes) -> None:
    """Raise 400 ``InvalidRequestContentException`` unless ``body`` is JSON of sane depth."""
    try:
        decoded = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise invalid_json(str(exc)) from None
    if too_deep(decoded):
        raise invalid_json(f"nested more than {MAX_JSON_DEPTH} levels deep")


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether decoded JSON nests containers more than ``limit`` deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
