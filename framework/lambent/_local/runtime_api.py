"""The Lambda Runtime API (``/2018-06-01/runtime/...``, LAMBDA.md §3.1) for one environment.

Every execution environment (one runtime process at a time, see
:mod:`lambent._local.worker`) gets its own listener, as every Lambda sandbox has its own
``AWS_LAMBDA_RUNTIME_API``; this module serves it over :mod:`lambent._local.http1`,
which keeps the trailers of a chunked request (a streaming runtime reports an error
after its body started in them). What the runtime calls decides the outcome:
``/response`` is a success and ``/error`` a function error
(``X-Amz-Function-Error: Unhandled``), whatever the body looks like.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol

import anyio
import anyio.abc

from lambent._local.http1 import BadRequest, Reader, Request, response
from lambent._local.model import RESPONSE_LIMIT, Invocation
from lambent._local.streaming import Sink

_BASE = "/2018-06-01/runtime"
_ERROR_CAUSE_TYPE = "application/vnd.aws.lambda.error.cause+json"
_MODE = "lambda-runtime-function-response-mode"
_ERROR_TYPE = "lambda-runtime-function-error-type"
_ERROR_BODY = "lambda-runtime-function-error-body"
_INVOCATION = re.compile(rf"{_BASE}/invocation/([^/?]+)/(response|error)")


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

    def restore(self) -> None:
        """``GET /restore/next`` (SnapStart, LAMBDA.md §3.1): the environment was restored."""
        ...

    def stream_sink(self, request_id: str) -> Sink | None:
        """The caller's sink when invocation ``request_id`` was invoked with a stream."""
        ...


Answer = tuple[int, bytes, dict[str, str]]
_ACCEPTED: Answer = (202, b'{"status":"OK"}', {})


def _runtime_error(status: int, error_type: str, message: str) -> Answer:
    return status, json.dumps({"errorMessage": message, "errorType": error_type}).encode(), {}


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


def _error_document(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The error the runtime reported, tolerating missing or non-JSON bodies."""
    try:
        doc = json.loads(body) if body else {}
    except ValueError:
        doc = {"errorMessage": body.decode(errors="replace")}
    if not isinstance(doc, dict):
        doc = {"errorMessage": json.dumps(doc)}
    if headers.get("content-type", "").startswith(_ERROR_CAUSE_TYPE):
        doc.pop("errorCause", None)
    doc.setdefault("errorType", headers.get(_ERROR_TYPE) or "Runtime.Unknown")
    doc.setdefault("errorMessage", "")
    return doc


def _trailer_error(trailers: dict[str, str]) -> dict[str, Any] | None:
    """The error a streaming runtime reported in its trailers (the body base64 JSON, as
    the AWS runtimes send it; plain JSON is accepted too), or ``None``."""
    if _ERROR_TYPE not in trailers and _ERROR_BODY not in trailers:
        return None
    raw = trailers.get(_ERROR_BODY, "").encode()
    with suppress(binascii.Error, ValueError):
        raw = base64.b64decode(raw, validate=True)
    return _error_document({_ERROR_TYPE: trailers.get(_ERROR_TYPE, "")}, raw)


class _Api:
    def __init__(self, host: RuntimeHost) -> None:
        self.host = host

    def _complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> Answer | None:
        if self.host.complete(request_id, payload, content_type, error_type):
            return None
        return _runtime_error(400, "InvalidRequestID", "Invalid request ID")

    async def next(self) -> Answer:
        delivery = await self.host.next_invocation()
        if delivery is None:
            return _runtime_error(500, "ServiceException", "the environment is shutting down")
        return 200, delivery.invocation.payload, invocation_headers(delivery)

    async def streamed(self, reader: Reader, request: Request, request_id: str) -> Answer:
        """A response in the streaming mode: chunks go on to the caller as they arrive,
        and an error in the trailers ends the invocation as a function error."""
        mode = request.headers[_MODE]
        if mode != "streaming":
            await reader.drain(request)
            return _runtime_error(
                400, "InvalidFunctionResponseMode", f"invalid response mode {mode!r}"
            )
        content_type = request.headers.get("content-type", "application/octet-stream")
        sink = self.host.stream_sink(request_id)
        if sink is not None:
            sink.start(content_type)
        parts: list[bytes] = []
        async for chunk in reader.chunks(request):
            parts.append(chunk)
            if sink is not None:
                await sink.put(chunk)
        failure = _trailer_error(request.trailers)
        if failure is not None:
            payload = json.dumps(failure, ensure_ascii=False).encode()
            refused = self._complete(
                request_id, payload, "application/json", str(failure["errorType"])
            )
        else:
            refused = self._complete(request_id, b"".join(parts), content_type, None)
        return refused or _ACCEPTED

    async def respond(self, reader: Reader, request: Request, request_id: str) -> Answer:
        if _MODE in request.headers:
            return await self.streamed(reader, request, request_id)
        body = await reader.body(request, RESPONSE_LIMIT)
        if body is None:
            declared = request.headers.get("content-length", "")
            size = int(declared) if declared.isdigit() else RESPONSE_LIMIT + 1
            message = (
                f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
                f"({RESPONSE_LIMIT} bytes)."
            )
            error = "Function.ResponseSizeTooLarge"
            doc = json.dumps({"errorMessage": message, "errorType": error}).encode()
            refused = self._complete(request_id, doc, "application/json", error)
            return refused or _runtime_error(413, "RequestEntityTooLarge", message)
        content_type = request.headers.get("content-type", "application/json")
        return self._complete(request_id, body, content_type, None) or _ACCEPTED

    async def error(self, reader: Reader, request: Request, request_id: str) -> Answer:
        body = await reader.body(request, RESPONSE_LIMIT) or b""
        doc = _error_document(request.headers, body)
        payload = json.dumps(doc, ensure_ascii=False).encode()
        return (
            self._complete(request_id, payload, "application/json", str(doc["errorType"]))
            or _ACCEPTED
        )

    async def init_error(self, reader: Reader, request: Request) -> Answer:
        body = await reader.body(request, RESPONSE_LIMIT) or b""
        self.host.init_failed(_error_document(request.headers, body))
        return _ACCEPTED

    async def answer(self, reader: Reader, request: Request) -> Answer:
        path = request.path
        if request.method == "GET" and path == f"{_BASE}/invocation/next":
            return await self.next()
        if request.method == "GET" and path == f"{_BASE}/restore/next":
            self.host.restore()
            return 200, b"", {}
        if request.method == "POST":
            found = _INVOCATION.fullmatch(path)
            if found is not None and found[2] == "response":
                return await self.respond(reader, request, found[1])
            if found is not None:
                return await self.error(reader, request, found[1])
            if path == f"{_BASE}/init/error":
                return await self.init_error(reader, request)
        return _runtime_error(404, "NotFound", f"no route {request.method} {path}")

    async def connection(self, stream: anyio.abc.ByteStream) -> None:
        reader = Reader(stream)
        async with stream:
            try:
                while (request := await reader.request()) is not None:
                    status, body, headers = await self._answer_safely(reader, request)
                    await stream.send(response(status, body, "application/json", headers))
                    if not request.keep_alive or status == 500:
                        return
            except BadRequest as exc:
                status, body, headers = _runtime_error(400, "BadRequest", str(exc))
                with suppress(*_GONE):
                    await stream.send(response(status, body, "application/json", headers))
            except _GONE:
                return

    async def _answer_safely(self, reader: Reader, request: Request) -> Answer:
        """:meth:`answer`, the body read to its end; a fault of the host is a 500 (and
        the connection is closed), as a server answers, never the end of the listener."""
        try:
            found = await self.answer(reader, request)
            await reader.drain(request)
        except (BadRequest, *_GONE):
            raise
        except Exception as exc:
            return _runtime_error(500, "ServiceException", f"{type(exc).__name__}: {exc}")
        return found


_GONE = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError)


class Server:
    """The Runtime API of one environment, served in a task group until :meth:`close`."""

    def __init__(self, host: RuntimeHost) -> None:
        self._api = _Api(host)
        self._scope = anyio.CancelScope()

    async def start(self, tg: anyio.abc.TaskGroup, address: str = "127.0.0.1") -> str:
        """Listen on a free port of ``address``; the value of ``AWS_LAMBDA_RUNTIME_API``."""
        listener = await anyio.create_tcp_listener(local_host=address, local_port=0)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        tg.start_soon(self._serve, listener)
        return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"

    async def _serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        with self._scope:
            async with listener:
                await listener.serve(self._api.connection)

    def close(self) -> None:
        self._scope.cancel()


@asynccontextmanager
async def serving(host: RuntimeHost, address: str = "127.0.0.1") -> AsyncIterator[str]:
    """The Runtime API for ``host`` while the block runs (``host:port``)."""
    server = Server(host)
    async with anyio.create_task_group() as tg:
        yield await server.start(tg, address)
        server.close()
