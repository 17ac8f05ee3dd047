"""The Lambda Runtime API (``/2018-06-01/runtime/...``, LAMBDA.md §3.1) for one environment.

Every execution environment (one ``python -m awslambdaric`` process at a time, see
:mod:`lambent._local.worker`) gets its own listener, as every Lambda sandbox has its own
``AWS_LAMBDA_RUNTIME_API``; this module is the aiohttp application behind it. What the
runtime calls decides the outcome: ``/response`` is a success and ``/error`` a function
error (``X-Amz-Function-Error: Unhandled``), whatever the body looks like.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from aiohttp import web

from lambent._local.model import RESPONSE_LIMIT, Invocation
from lambent._local.streaming import Sink

_BASE = "/2018-06-01/runtime"
_ERROR_CAUSE_TYPE = "application/vnd.aws.lambda.error.cause+json"
_MODE = "Lambda-Runtime-Function-Response-Mode"


class Delivery(Protocol):
    """An invocation handed to the runtime by ``/next``."""

    invocation: Invocation
    deadline_ms: int


class RuntimeHost(Protocol):
    """The environment the Runtime API serves (implemented by ``worker.Environment``)."""

    async def next_invocation(self) -> Delivery | None: ...

    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool: ...

    def init_failed(self, doc: dict[str, Any]) -> None: ...

    def stream_sink(self, request_id: str) -> Sink | None:
        """The caller's sink when invocation ``request_id`` was invoked with a stream."""
        ...


HOST_KEY = web.AppKey("runtime_host", RuntimeHost)


def _runtime_error(status: int, error_type: str, message: str) -> web.Response:
    body = json.dumps({"errorMessage": message, "errorType": error_type})
    return web.Response(status=status, text=body, content_type="application/json")


_ACCEPTED = '{"status":"OK"}'


def invocation_headers(delivery: Delivery) -> dict[str, str]:
    """The ``/next`` response headers; empty values are left out, as Lambda does."""
    inv = delivery.invocation
    headers = {
        "Lambda-Runtime-Aws-Request-Id": inv.request_id,
        "Lambda-Runtime-Deadline-Ms": str(delivery.deadline_ms),
        "Lambda-Runtime-Invoked-Function-Arn": inv.invoked_arn,
        "Lambda-Runtime-Trace-Id": inv.trace_id,
        "Lambda-Runtime-Client-Context": inv.client_context or "",
        "Lambda-Runtime-Cognito-Identity": inv.cognito_identity or "",
        "Lambda-Runtime-Aws-Tenant-Id": inv.tenant_id or "",
    }
    return {k: v for k, v in headers.items() if v}


async def _next(request: web.Request) -> web.StreamResponse:
    delivery = await request.app[HOST_KEY].next_invocation()
    if delivery is None:
        return _runtime_error(500, "ServiceException", "the environment is shutting down")
    return web.Response(
        status=200,
        body=delivery.invocation.payload,
        headers=invocation_headers(delivery),
        content_type="application/json",
    )


async def _read(request: web.Request, limit: int) -> bytes | None:
    """The body, or ``None`` when it is larger than ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _streamed(request: web.Request, host: RuntimeHost, request_id: str) -> web.StreamResponse:
    """A response in the streaming mode: chunks go on to the caller as they arrive."""
    mode = request.headers[_MODE]
    if mode != "streaming":
        return _runtime_error(400, "InvalidFunctionResponseMode", f"invalid response mode {mode!r}")
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    sink = host.stream_sink(request_id)
    if sink is not None:
        sink.start(content_type)
    parts: list[bytes] = []
    async for chunk in request.content.iter_any():
        parts.append(chunk)
        if sink is not None:
            await sink.put(chunk)
    if not host.complete(request_id, b"".join(parts), content_type, None):
        return _runtime_error(400, "InvalidRequestID", "Invalid request ID")
    return web.Response(status=202, text=_ACCEPTED, content_type="application/json")


async def _response(request: web.Request) -> web.StreamResponse:
    host = request.app[HOST_KEY]
    request_id = request.match_info["request_id"]
    if _MODE in request.headers:
        return await _streamed(request, host, request_id)
    body = await _read(request, RESPONSE_LIMIT)
    if body is None:
        size = request.content_length or RESPONSE_LIMIT + 1
        message = (
            f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            f"({RESPONSE_LIMIT} bytes)."
        )
        doc = json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"})
        if not host.complete(
            request_id, doc.encode(), "application/json", "Function.ResponseSizeTooLarge"
        ):
            return _runtime_error(400, "InvalidRequestID", "Invalid request ID")
        return _runtime_error(413, "RequestEntityTooLarge", message)
    content_type = request.headers.get("Content-Type", "application/json")
    if not host.complete(request_id, body, content_type, None):
        return _runtime_error(400, "InvalidRequestID", "Invalid request ID")
    return web.Response(status=202, text=_ACCEPTED, content_type="application/json")


def _error_document(request: web.Request, body: bytes) -> dict[str, Any]:
    """The error the runtime reported, tolerating missing or non-JSON bodies."""
    header_type = request.headers.get("Lambda-Runtime-Function-Error-Type")
    try:
        doc = json.loads(body) if body else {}
    except ValueError:
        doc = {"errorMessage": body.decode(errors="replace")}
    if not isinstance(doc, dict):
        doc = {"errorMessage": json.dumps(doc)}
    if request.headers.get("Content-Type", "").startswith(_ERROR_CAUSE_TYPE):
        doc.pop("errorCause", None)
    doc.setdefault("errorType", header_type or "Runtime.Unknown")
    doc.setdefault("errorMessage", "")
    return doc


async def _error(request: web.Request) -> web.StreamResponse:
    host = request.app[HOST_KEY]
    body = await _read(request, RESPONSE_LIMIT) or b""
    doc = _error_document(request, body)
    payload = json.dumps(doc, ensure_ascii=False).encode()
    if not host.complete(
        request.match_info["request_id"], payload, "application/json", str(doc["errorType"])
    ):
        return _runtime_error(400, "InvalidRequestID", "Invalid request ID")
    return web.Response(status=202, text=_ACCEPTED, content_type="application/json")


async def _init_error(request: web.Request) -> web.StreamResponse:
    body = await _read(request, RESPONSE_LIMIT) or b""
    request.app[HOST_KEY].init_failed(_error_document(request, body))
    return web.Response(status=202, text=_ACCEPTED, content_type="application/json")


def build_app(host: RuntimeHost) -> web.Application:
    app = web.Application(client_max_size=RESPONSE_LIMIT + 1024 * 1024)
    app[HOST_KEY] = host
    app.router.add_get(f"{_BASE}/invocation/next", _next)
    app.router.add_post(f"{_BASE}/invocation/{{request_id}}/response", _response)
    app.router.add_post(f"{_BASE}/invocation/{{request_id}}/error", _error)
    app.router.add_post(f"{_BASE}/init/error", _init_error)
    return app
