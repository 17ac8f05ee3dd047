"""The runtime loop: Init, then ``/next`` → run → ``/response`` or ``/error``, until told to stop.

Init (before the first ``/next``): the handler is imported, an app is frozen and its
lifespan entered, so connections made there serve the first request; a failure is posted
to ``/init/error`` and the process exits 1, as awslambdaric does. Under SnapStart the
before-snapshot hooks run, ``/restore/next`` is awaited, then the after-restore hooks.

``AWS_LAMBDA_MAX_CONCURRENCY`` (Lambda Managed Instances) sets how many loops poll at
once, each on its own kept-alive connection, all on one event loop. SIGTERM (and
SIGINT) stop the polling: an invocation that is running is finished (within 1.5 s, the
Shutdown phase being 2 s), the lifespan is left and the process exits 0.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc
import msgspec

from lambent.runtime import _hooks
from lambent.runtime._faults import Fault, error_from, load_handler, log_error, xray_cause
from lambent.runtime._http import Connection, RuntimeAPIError
from lambent.runtime._invocation import REQUEST_ID, build_context, set_trace_id, setup_logging
from lambent.runtime._target import Target, target_for

BASE = "/2018-06-01/runtime"
NEXT = f"{BASE}/invocation/next"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
#: how long a stop waits for running invocations (Lambda's Shutdown phase is 2 s)
STOP_GRACE = 1.5
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code."
)


def concurrency() -> int:
    """``AWS_LAMBDA_MAX_CONCURRENCY`` as a positive number (1 when unset or not a number)."""
    try:
        return max(1, int(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY", "1")))
    except ValueError:
        return 1


@dataclass
class _Stop:
    requested: bool = False
    waiting: set[anyio.CancelScope] = field(default_factory=set)

    def request(self) -> None:
        self.requested = True
        for scope in self.waiting:
            scope.cancel()


def _say(message: str) -> None:
    sys.stderr.write(f"lambent.runtime: {message}\n")
    sys.stderr.flush()


async def _post_error(
    conn: Connection, path: str, exc: BaseException, request_id: str | None, headers: dict[str, str]
) -> None:
    doc = error_from(exc, request_id)
    log_error(doc)
    headers = {"Content-Type": "application/json", **headers}
    cause = xray_cause(exc)
    if cause:
        headers["Lambda-Runtime-Function-XRay-Error-Cause"] = cause
    status, _, body = await conn.request("POST", path, msgspec.json.encode(doc), headers)
    if status != 202:
        _say(f"the Runtime API refused the error report ({status}): {body[:200]!r}")


async def invoke_once(
    conn: Connection, target: Target, headers: dict[str, str], body: bytes
) -> None:
    """Run one invocation ``/next`` delivered and post its outcome."""
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    token = REQUEST_ID.set(request_id)
    set_trace_id(headers)
    try:
        try:
            context = build_context(headers)
            payload, content_type = await target.invoke(body, headers.get("content-type"), context)
        except Exception as exc:
            await _post_error(conn, f"{BASE}/invocation/{request_id}/error", exc, request_id, {})
            return
        path = f"{BASE}/invocation/{request_id}/response"
        status, _, answer = await conn.request(
            "POST", path, payload, {"Content-Type": content_type}
        )
        if status != 202:
            _say(
                f"the Runtime API refused the response of {request_id} ({status}): {answer[:200]!r}"
            )
    finally:
        REQUEST_ID.reset(token)


async def _poll(conn: Connection, target: Target, stop: _Stop) -> None:
    try:
        while not stop.requested:
            with anyio.CancelScope() as waiting:
                stop.waiting.add(waiting)
                status, headers, body = await conn.request("GET", NEXT)
            stop.waiting.discard(waiting)
            if waiting.cancel_called:
                return
            if status != 200:
                raise RuntimeAPIError(f"/next answered {status}: {body[:200]!r}")
            await invoke_once(conn, target, headers, body)
    finally:
        with anyio.CancelScope(shield=True):
            await conn.aclose()


async def _watch_signals(stop: _Stop, loops: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            stop.request()
            await anyio.sleep(STOP_GRACE)
            loops.cancel()
            return


async def _init_failed(conn: Connection, exc: BaseException) -> int:
    doc = error_from(exc)
    sys.stdout.write(_UNHANDLED_WARNING + "\n")
    log_error(doc)
    headers = {ERROR_TYPE: doc["errorType"], "Content-Type": "application/json"}
    try:
        await conn.request("POST", f"{BASE}/init/error", msgspec.json.encode(doc), headers)
    finally:
        await conn.aclose()
    return 1


async def _snap_start(conn: Connection) -> int | None:
    try:
        await _hooks.run_before_snapshot()
    except Exception as exc:
        exc = Fault(Fault.BEFORE_SNAPSHOT_ERROR, f"{type(exc).__name__}: {exc}")
        await _init_failed(conn, exc)
        return 64
    status, _, body = await conn.request("GET", f"{BASE}/restore/next")
    if status != 200:
        raise RuntimeAPIError(f"/restore/next answered {status}: {body[:200]!r}")
    try:
        await _hooks.run_after_restore()
    except Exception as exc:
        doc = error_from(Fault(Fault.AFTER_RESTORE_ERROR, f"{type(exc).__name__}: {exc}"))
        log_error(doc)
        headers = {ERROR_TYPE: Fault.AFTER_RESTORE_ERROR, "Content-Type": "application/json"}
        await conn.request("POST", f"{BASE}/restore/error", msgspec.json.encode(doc), headers)
        return 65
    return None


async def serve(handler_name: str, address: str) -> int:
    """Run the loop for ``handler_name`` against the Runtime API at ``address`` (host:port)."""
    loops = concurrency()
    first = Connection(address)
    try:
        target = target_for(load_handler(handler_name), loops)
    except Exception as exc:
        return await _init_failed(first, exc)
    async with AsyncExitStack() as stack:
        try:
            await stack.enter_async_context(target.running())
        except Exception as exc:
            return await _init_failed(first, exc)
        if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
            code = await _snap_start(first)
            if code is not None:
                return code
        stop = _Stop()
        async with anyio.create_task_group() as outer:
            with anyio.CancelScope() as polling:
                outer.start_soon(_watch_signals, stop, polling)
                async with anyio.create_task_group() as tg:
                    for i in range(loops):
                        tg.start_soon(_poll, first if i == 0 else Connection(address), target, stop)
            outer.cancel_scope.cancel()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m lambent.runtime [HANDLER]`` (default: ``$_HANDLER``)."""
    args = sys.argv[1:] if argv is None else argv
    handler = args[0] if args else os.environ.get("_HANDLER", "")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not handler or not address:
        _say(
            "usage: python -m lambent.runtime HANDLER (module.function), with AWS_LAMBDA_RUNTIME_API set"
        )
        return 2
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Any = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    setup_logging()
    if "" not in sys.path:
        sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    try:
        return anyio.run(serve, handler, address)
    except RuntimeAPIError as exc:
        _say(str(exc))
        return 1
