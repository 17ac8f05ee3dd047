"""Running a handler inside this process.

The app named on the command line may be anything with a synchronous
``handler(event, context)`` (a :class:`lambent.App`, or any object), a plain function
``(event, context)``, or an object whose ``dispatch(event, context)`` is a coroutine
function (a :class:`lambent.App` again). Its code never runs on the server's event
loop (:mod:`lambent._local.environment`): a function that needs no loop runs each
invocation in a worker thread, one that awaits runs on an event loop of its own. The
timeout is the server's: when it passes the invocation is answered ``Sandbox.Timedout``
on time, a coroutine is cancelled and a thread abandoned (Python threads cannot be
killed; its later output is dropped).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, Protocol

import anyio

from lambent._lifespans import StartupFailed
from lambent._local import errors
from lambent._local.contain import handler_scope, original
from lambent._local.context import LocalContext
from lambent._local.environment import Environment, SyncHandler
from lambent._local.logs import LogBuffer, capturing, ensure_installed
from lambent._local.model import (
    LATEST,
    RESPONSE_LIMIT,
    FunctionConfig,
    Invocation,
    InvocationResult,
)

_Outcome = tuple[bool, Any]  # (succeeded, result or error document)


class Runner(Protocol):
    """What runs one attempt of an invocation: in this process or in a worker process."""

    async def run(self, invocation: Invocation) -> InvocationResult: ...

    async def aclose(self) -> bool:
        """Stop; False when the function's lifespan failed on its way out (reported)."""
        ...


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def log_stream_name(instance: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{LATEST}]{instance}"


def marshal(value: Any) -> tuple[bytes, str]:
    """Encode a handler's return value as the Python runtime does (``bytes`` go out raw)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value), "application/unknown"
    return json.dumps(value, ensure_ascii=False).encode(), "application/json"


def log_error(buffer: _Writer, doc: dict[str, Any]) -> None:
    """The runtime's ``[ERROR]`` log event for a failed invocation (one line, ``\\r``-joined)."""
    lines = [f"[ERROR] {doc.get('errorType', '')}: {doc.get('errorMessage', '')}"]
    stack = doc.get("stackTrace")
    if stack:
        lines.append("Traceback (most recent call last):")
        lines.extend(line for entry in stack for line in str(entry).splitlines())
    buffer.write("\r".join(lines) + "\n")


def _call_sync(handler: SyncHandler, event: Any, context: Any, buffer: LogBuffer) -> _Outcome:
    with capturing(buffer):
        try:
            return True, handler(event, context)
        except BaseException as exc:  # SystemExit too: a function error, never the server's end
            return False, errors.function_error(exc, exc.__traceback__, context.aws_request_id, 1)


class InProcessRunner:
    """Runs invocations of one function on this process's app object."""

    def __init__(self, config: FunctionConfig, obj: Any) -> None:
        self.config = config
        self._env = Environment(obj, config.target, concurrency=config.concurrency)
        self._stream = log_stream_name(f"{id(self):032x}"[-32:])

    async def run(self, invocation: Invocation) -> InvocationResult:
        cfg = self.config
        ensure_installed()
        buffer = LogBuffer(invocation.request_id)
        buffer.start(LATEST)
        event = json.loads(invocation.payload)  # checked by the Invoke API (errors.check_payload)
        context = LocalContext.build(
            request_id=invocation.request_id,
            function_name=cfg.name,
            version=LATEST,
            invoked_arn=invocation.invoked_arn,
            memory_mb=cfg.memory_mb,
            log_group=cfg.log_group,
            log_stream=self._stream,
            deadline_ms=int((time.time() + cfg.timeout) * 1000),
            client_context=invocation.client_context,
            cognito_identity=invocation.cognito_identity,
            tenant_id=invocation.tenant_id,
        )
        started = time.perf_counter()
        outcome: _Outcome | None = None
        with anyio.move_on_after(cfg.timeout):
            outcome = await self._call(event, context, buffer)
        duration = (time.perf_counter() - started) * 1000
        if outcome is None:
            doc = errors.timeout_error(invocation.request_id, cfg.timeout)
            buffer.write(doc["errorMessage"] + "\n")
            buffer.finish(duration, cfg.memory_mb, status="timeout")
            return _failed(doc, buffer, duration)
        ok, value = outcome
        if ok:
            try:
                payload, content_type = marshal(value)
            except (TypeError, ValueError) as exc:
                ok, value = (
                    False,
                    errors.error_document(
                        f"Unable to marshal response: {exc}",
                        "Runtime.MarshalError",
                        request_id=invocation.request_id,
                    ),
                )
            else:
                if len(payload) > RESPONSE_LIMIT:
                    ok, value = False, errors.response_too_large(len(payload), RESPONSE_LIMIT)
        if not ok:
            log_error(buffer, value)
        buffer.finish(duration, cfg.memory_mb)
        if not ok:
            return _failed(value, buffer, duration)
        return InvocationResult(
            payload=payload, content_type=content_type, log=buffer.text(), duration_ms=duration
        )

    async def _call(self, event: Any, context: LocalContext, buffer: LogBuffer) -> _Outcome:
        if self._env.dispatch is not None:
            try:
                return await self._env.on_loop(self._dispatch, event, context, buffer)
            except StartupFailed as exc:  # Init failed: its error, as Lambda answers it
                doc = errors.init_error(exc.error)
                log_error(sys.stdout, doc)  # Init's log, before the invocation's
                return False, doc
        return await self._env.in_thread(_call_sync, self._env.sync, event, context, buffer)

    async def _dispatch(self, event: Any, context: LocalContext, buffer: LogBuffer) -> _Outcome:
        """One invocation of an app that awaits, on its own loop."""
        assert self._env.dispatch is not None
        with capturing(buffer), handler_scope():
            try:
                return True, await self._env.dispatch(event, context)
            except anyio.get_cancelled_exc_class():
                raise  # the timeout (or the server's stop) cancelling the invocation
            except BaseException as exc:  # SystemExit, KeyboardInterrupt: a function error
                cause = original(exc)
                return False, errors.function_error(
                    cause, cause.__traceback__, context.aws_request_id, 1
                )

    async def aclose(self) -> bool:
        """Leave the app's lifespan (once) and stop; a failure leaving it is logged as
        ``lambent.runtime`` logs it, one ``[ERROR] ShutdownError`` record."""
        failed = await self._env.aclose()
        if failed is not None:
            log_error(sys.stdout, errors.shutdown_error(failed))
        sys.stdout.flush()
        return failed is None


def _failed(doc: dict[str, Any], buffer: LogBuffer, duration: float) -> InvocationResult:
    return InvocationResult(
        payload=errors.encode(doc),
        function_error="Unhandled",
        error_type=str(doc.get("errorType", "")),
        log=buffer.text(),
        duration_ms=duration,
    )
