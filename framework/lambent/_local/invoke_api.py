"""The Lambda Invoke API: ``POST /2015-03-31/functions/{FunctionName}/invocations``.

Answers as Lambda does (LAMBDA.md §1): ``RequestResponse`` 200 with the function's
result, also when it failed (then with ``X-Amz-Function-Error: Unhandled``); ``Event`` 202
once queued; ``DryRun`` 204 after checking the request, without running anything.
Requests Lambda would refuse get its error shape: ``x-amzn-ErrorType`` and
``{"Type", "message" | "Message"}`` (:mod:`lambent._local.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Protocol

import anyio
from aiohttp import web

from lambent._local import errors, guard
from lambent._local.context import check_tenant, decode_client_context
from lambent._local.function import FunctionTable, LocalFunction
from lambent._local.logs import tail_base64
from lambent._local.model import (
    ASYNC_REQUEST_LIMIT,
    INVOCATION_TYPES,
    LATEST,
    SYNC_REQUEST_LIMIT,
    Invocation,
    InvocationResult,
)
from lambent._local.streaming import STREAM_SINK, Sink, event_message

INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"
STREAM_PATH = "/2021-11-15/functions/{name}/response-streaming-invocations"


class InvokeBackend(Protocol):
    """What the Invoke API needs from the server."""

    functions: FunctionTable

    def submit_event(self, function: LocalFunction, invocation: Invocation) -> None: ...

    def allowed_hosts(self) -> frozenset[str] | None:
        """The ``Host`` values requests may carry (``None``: any, when listening remotely)."""
        ...


BACKEND_KEY = web.AppKey("invoke_backend", InvokeBackend)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def service_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render :class:`~lambent._local.errors.ServiceError` the way AWS does."""
    try:
        return await handler(request)
    except errors.ServiceError as exc:
        return web.Response(status=exc.status, body=exc.body(), headers=exc.all_headers())


async def _read_body(request: web.Request, limit: int, asynchronous: bool) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise errors.too_large(request.content_length, asynchronous, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            async for more in request.content.iter_any():
                size += len(more)
            raise errors.too_large(size, asynchronous, limit)
    return b"".join(chunks)


def _header(request: web.Request, name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = request.headers.get(name, default) or default
    if value not in allowed:
        field = name.removeprefix("X-Amz-").replace("-", "")
        raise errors.invalid_parameter(
            f"1 validation error detected: Value '{value}' at '{field[0].lower()}{field[1:]}' "
            f"failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(allowed)}]"
        )
    return value


async def _accept(
    request: web.Request, kinds: tuple[str, ...] = INVOCATION_TYPES
) -> tuple[LocalFunction, Invocation, str, str]:
    """The function, the invocation, its type and log type of an Invoke request."""
    backend = request.app[BACKEND_KEY]
    function, invoked_arn = backend.functions.resolve(
        request.match_info["name"], request.query.get("Qualifier")
    )
    kind = _header(request, "X-Amz-Invocation-Type", "RequestResponse", kinds)
    log_type = _header(request, "X-Amz-Log-Type", "None", ("None", "Tail"))
    asynchronous = kind == "Event"
    limit = ASYNC_REQUEST_LIMIT if asynchronous else SYNC_REQUEST_LIMIT
    body = await _read_body(request, limit, asynchronous)
    if not body.strip():
        body = b"{}"  # what SAM and moto do; the service is believed to agree (UNCONFIRMED)
    errors.check_payload(body)
    client_context = decode_client_context(request.headers.get("X-Amz-Client-Context"))
    invocation = Invocation(
        function=function.config.name,
        payload=body,
        invoked_arn=invoked_arn,
        client_context=None if asynchronous else client_context,
        tenant_id=check_tenant(request.headers.get("X-Amz-Tenant-Id")),
    )
    return function, invocation, kind, log_type


async def invoke(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND_KEY]
    function, invocation, kind, log_type = await _accept(request)
    asynchronous = kind == "Event"
    headers = {"x-amzn-RequestId": invocation.request_id}
    if kind == "DryRun":
        return web.Response(status=204, headers=headers)
    if asynchronous:
        backend.submit_event(function, invocation)
        return web.Response(status=202, headers=headers)
    result = await function.invoke_now(invocation)
    headers["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error is not None:
        headers["X-Amz-Function-Error"] = result.function_error
    if log_type == "Tail":
        headers["X-Amz-Log-Result"] = tail_base64(result.log)
    headers["Content-Type"] = result.content_type
    return web.Response(status=200, body=result.payload, headers=headers)


async def invoke_stream(request: web.Request) -> web.StreamResponse:
    """``InvokeWithResponseStream``: the answer as an event stream (see
    :mod:`lambent._local.streaming`), chunks sent as the runtime streams them."""
    function, invocation, kind, log_type = await _accept(request, ("RequestResponse", "DryRun"))
    headers = {"x-amzn-RequestId": invocation.request_id, "X-Amz-Executed-Version": LATEST}
    if kind == "DryRun":
        return web.Response(status=204, headers=headers)
    sink = Sink()
    answer = web.StreamResponse(status=200, headers=headers)
    outcome: list[InvocationResult] = []

    async def run() -> None:
        STREAM_SINK.set(sink)
        try:
            outcome.append(await function.invoke_now(invocation))
        finally:
            sink.started.set()
            sink.close()

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        await sink.started.wait()
        streamed = sink.content_type is not None
        if streamed:
            answer.content_type = str(sink.content_type)
            await answer.prepare(request)
        async for chunk in sink.receive:
            await answer.write(event_message("PayloadChunk", chunk, "application/octet-stream"))
    result = outcome[0]
    if not streamed:
        answer.content_type = result.content_type
        await answer.prepare(request)
        if result.payload and result.function_error is None:
            await answer.write(
                event_message("PayloadChunk", result.payload, "application/octet-stream")
            )
    complete: dict[str, str] = {}
    if result.function_error is not None:
        complete["ErrorCode"] = result.error_type or "Unhandled"
        complete["ErrorDetails"] = result.payload.decode(errors="replace")
    if log_type == "Tail":
        complete["LogResult"] = tail_base64(result.log)
    await answer.write(
        event_message("InvokeComplete", json.dumps(complete).encode(), "application/json")
    )
    await answer.write_eof()
    return answer


async def not_found(request: web.Request) -> web.StreamResponse:
    raise errors.ServiceError(
        404, "UnknownOperationException", f"Unknown operation {request.method} {request.path}"
    )


def build_app(backend: InvokeBackend) -> web.Application:
    app = web.Application(
        middlewares=[service_errors, guard.middleware(backend.allowed_hosts)],
        client_max_size=SYNC_REQUEST_LIMIT + 1,
    )
    app[BACKEND_KEY] = backend
    app.router.add_post(INVOKE_PATH, invoke)
    app.router.add_post(STREAM_PATH, invoke_stream)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
