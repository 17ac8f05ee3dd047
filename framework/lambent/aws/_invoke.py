"""``await lambent.aws.invoke(function, payload, type=...)``: the Lambda Invoke API.

The payload is encoded as JSON (bytes and str are sent as they are). A synchronous
call answers 200 also when the function failed: the failure is only the
``X-Amz-Function-Error`` header, and the body is ``{"errorType", "errorMessage",
"stackTrace"}`` (LAMBDA.md §1.2-1.3). lambent raises :class:`FunctionError` then.
``Event`` (202) and ``DryRun`` (204) return ``None``. Service errors (an unknown
function, throttling) stay botocore's ``ClientError``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar, overload

import msgspec

from lambent._errors import DecodeError, LambentError
from lambent.aws._clients import client

T = TypeVar("T")
InvocationType = Literal["RequestResponse", "Event", "DryRun"]


class FunctionError(LambentError):
    """The invoked function failed: ``error_type``/``error_message`` from its error body,
    ``kind`` the ``X-Amz-Function-Error`` header (``Unhandled``, or the legacy ``Handled``)."""

    def __init__(
        self,
        function: str,
        error_type: str,
        error_message: str,
        *,
        stack_trace: tuple[str, ...] = (),
        kind: str = "Unhandled",
    ) -> None:
        self.function = function
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = stack_trace
        self.kind = kind
        super().__init__(f"{function} failed: {error_type}: {error_message}")


class _ErrorBody(msgspec.Struct):
    errorType: str = "Unknown"
    errorMessage: str = ""
    stackTrace: list[str] | None = None


def _encode(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    return msgspec.json.encode(payload)


def _function_error(function: str, kind: str, body: bytes) -> FunctionError:
    try:
        err = msgspec.json.decode(body, type=_ErrorBody)
    except msgspec.DecodeError:
        return FunctionError(function, "Unknown", body.decode(errors="replace"), kind=kind)
    return FunctionError(
        function,
        err.errorType,
        err.errorMessage,
        stack_trace=tuple(err.stackTrace or ()),
        kind=kind,
    )


@overload
async def invoke(
    function: str,
    payload: Any = None,
    *,
    type: Literal["RequestResponse"] = "RequestResponse",
    result: type[T],
    qualifier: str | None = None,
    client_context: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> T: ...


@overload
async def invoke(
    function: str,
    payload: Any = None,
    *,
    type: Literal["RequestResponse"] = "RequestResponse",
    qualifier: str | None = None,
    client_context: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> Any: ...


@overload
async def invoke(
    function: str,
    payload: Any = None,
    *,
    type: Literal["Event", "DryRun"],
    qualifier: str | None = None,
    client_context: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> None: ...


async def invoke(
    function: str,
    payload: Any = None,
    *,
    type: InvocationType = "RequestResponse",
    result: Any = Any,
    qualifier: str | None = None,
    client_context: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> Any:
    """Invoke ``function`` (a name, partial or full ARN) with ``payload``.

    ``RequestResponse`` returns the function's result decoded into ``result`` (any
    msgspec type; default: plain JSON values) or raises :class:`FunctionError`;
    ``Event`` and ``DryRun`` return ``None``. ``client_context`` is the base64 text
    of the ``X-Amz-Client-Context`` header.
    """
    if type not in ("RequestResponse", "Event", "DryRun"):
        raise ValueError(f"invocation type must be RequestResponse, Event or DryRun, not {type!r}")
    lam = await client("lambda", region=region, endpoint_url=endpoint_url)
    kwargs: dict[str, Any] = {
        "FunctionName": function,
        "InvocationType": type,
        "Payload": _encode(payload),
    }
    if qualifier is not None:
        kwargs["Qualifier"] = qualifier
    if client_context is not None:
        kwargs["ClientContext"] = client_context
    response = await lam.invoke(**kwargs)
    stream = response.get("Payload")
    body: bytes = b""
    if stream is not None:
        async with stream:
            body = await stream.read()
    kind = response.get("FunctionError")
    if kind:
        raise _function_error(function, str(kind), body)
    if type != "RequestResponse":
        return None
    try:
        return msgspec.json.decode(body or b"null", type=result)
    except msgspec.ValidationError as exc:
        raise DecodeError(str(exc), record_id=function) from exc
