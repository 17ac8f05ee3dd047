"""Running a function in ``python -m awslambdaric`` worker processes.

An :class:`Environment` is one Lambda execution environment: its own Runtime API
listener (:mod:`lambent._local.runtime_api`) and, at any time, at most one unmodified
awslambdaric process polling it, started with the environment variables Lambda sets
(LAMBDA.md §3.4). It runs one invocation at a time. The process is started on first use
and started again after it died or timed out (it is killed at the deadline, and the
caller gets a ``Sandbox.Timedout`` error). A :class:`WorkerPool` keeps a function's
environments, up to its concurrency.

The process's stdout and stderr go through one pipe that this module reads without
blocking; whatever arrives while an invocation runs belongs to that invocation's log.
The pipe is drained when the runtime reports the result, and since the runtime wrote
its lines before posting, the invocation's log is complete.
"""

from __future__ import annotations

import codecs
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TextIO

import anyio
import anyio.abc

from lambent._lifespans import LifespanCut
from lambent._local import errors, runtime_api
from lambent._local.inprocess import log_error, log_stream_name
from lambent._local.launch import (
    CLIENTS,
    RuntimeHandler,
    runtime_handler,
    worker_environ,
)
from lambent._local.logs import LogBuffer
from lambent._local.model import (
    LATEST,
    SHUTDOWN_TIMEOUT,
    FunctionConfig,
    Invocation,
    InvocationResult,
)
from lambent._local.streaming import STREAM_SINK, Sink

#: Lambda's limit for the init phase of an on-demand environment
INIT_TIMEOUT = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (``port`` 0: one the OS picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass(eq=False)
class _Delivery:
    invocation: Invocation
    buffer: LogBuffer
    deadline_ms: int = 0
    started: float = 0.0
    payload: bytes = b""
    content_type: str = "application/json"
    error_type: str | None = None
    #: the caller's sink, when it invoked with a stream (InvokeWithResponseStream)
    sink: Sink | None = None
    delivered: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)

    def finish(self, payload: bytes, content_type: str, error_type: str | None) -> None:
        self.payload, self.content_type, self.error_type = payload, content_type, error_type
        self.delivered.set()
        self.done.set()

    def fail(self, doc: dict[str, Any]) -> None:
        self.finish(errors.encode(doc), "application/json", str(doc.get("errorType", "")))


class Environment:
    """One execution environment: a Runtime API listener and an awslambdaric process."""

    def __init__(
        self,
        config: FunctionConfig,
        handler: RuntimeHandler,
        tg: anyio.abc.TaskGroup,
        sink: TextIO,
        host: str = "127.0.0.1",
    ) -> None:
        self.config = config
        self.handler = handler
        self.host = host
        self.address = ""
        self.restarts = -1
        self._tg = tg
        self._sink = sink
        self._stream = log_stream_name(uuid.uuid4().hex)
        self._api: runtime_api.Server | None = None
        self._process: anyio.abc.Process | None = None
        self._current: _Delivery | None = None
        self._init_error: dict[str, Any] | None = None
        self._fd = -1
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._send, self._receive = anyio.create_memory_object_stream[_Delivery](1)

    @property
    def alive(self) -> bool:
        process = self._process
        return process is not None and process.returncode is None and self._init_error is None

    # -- process ----------------------------------------------------------------------

    async def _listen(self) -> None:
        self._api = runtime_api.Server(self)
        self.address = await self._api.start(self._tg, self.host)

    @property
    def python(self) -> str:
        """The interpreter the workers run."""
        return self.config.python or sys.executable

    def environ(self) -> dict[str, str]:
        return worker_environ(
            self.config,
            self.handler,
            runtime_api=self.address,
            stream=self._stream,
            python=self.python,
        )

    async def _spawn(self) -> None:
        if self._api is None:
            await self._listen()
        self._send.close()
        self._send, self._receive = anyio.create_memory_object_stream[_Delivery](1)
        self._init_error = None
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        try:
            process = await anyio.open_process(
                [self.python, "-m", CLIENTS[self.config.mode], self.handler.handler],
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                cwd=self.handler.task_root,
                env=self.environ(),
            )
        finally:
            os.close(write_fd)
        self._process, self._fd = process, read_fd
        self.restarts += 1
        self._tg.start_soon(self._read_output, read_fd)
        self._tg.start_soon(self._watch, process)

    async def _watch(self, process: anyio.abc.Process) -> None:
        code = await process.wait()
        if process is not self._process:
            return
        self._send.close()
        current = self._current
        if current is not None and not current.done.is_set():
            detail = f"Runtime exited with error: exit status {code}"
            current.fail(
                self._init_error or errors.runtime_exit(current.invocation.request_id, detail)
            )

    async def _kill(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.kill()
        with anyio.move_on_after(5):
            await process.wait()

    # -- output -----------------------------------------------------------------------

    def _drain(self, fd: int) -> bool:
        """Read what the pipe holds now; ``False`` at end of file."""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            text = self._decoder.decode(chunk)
            current = self._current
            if current is not None:
                current.buffer.write(text)
            self._sink.write(text)
            self._sink.flush()

    async def _read_output(self, fd: int) -> None:
        try:
            while self._drain(fd):
                await anyio.wait_readable(fd)
        finally:
            os.close(fd)
            if self._fd == fd:
                self._fd = -1

    # -- invocations ------------------------------------------------------------------

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        if not self.alive:
            await self._spawn()
        delivery = _Delivery(invocation, LogBuffer(invocation.request_id), sink=STREAM_SINK.get())
        self._current = delivery
        try:
            self._send.send_nowait(delivery)
            with anyio.move_on_after(INIT_TIMEOUT):
                await delivery.delivered.wait()
            if not delivery.delivered.is_set():
                delivery.fail(errors.timeout_error(invocation.request_id, INIT_TIMEOUT))
                await self._kill()
            remaining = delivery.deadline_ms / 1000 - time.time()
            with anyio.move_on_after(max(0.0, remaining)):
                await delivery.done.wait()
            timed_out = not delivery.done.is_set()
            if timed_out:
                delivery.fail(errors.timeout_error(invocation.request_id, self.config.timeout))
            if timed_out or self._init_error is not None:
                await self._kill()  # the next invocation starts a fresh process
            if self._fd >= 0:
                self._drain(self._fd)
        finally:
            self._current = None
        return self._result(delivery, timed_out)

    def _result(self, delivery: _Delivery, timed_out: bool) -> InvocationResult:
        duration = (time.perf_counter() - delivery.started) * 1000 if delivery.started else 0.0
        buffer = delivery.buffer
        if timed_out:
            buffer.write(_message(delivery.payload) + "\n")
        elif delivery.error_type and delivery.error_type.startswith(("Sandbox.", "Runtime.Exit")):
            log_error(buffer, {"errorType": delivery.error_type, "errorMessage": ""})
        buffer.finish(duration, self.config.memory_mb, status="timeout" if timed_out else None)
        return InvocationResult(
            payload=delivery.payload,
            function_error="Unhandled" if delivery.error_type is not None else None,
            error_type=delivery.error_type,
            content_type=delivery.content_type,
            log=buffer.text(),
            duration_ms=duration,
        )

    # -- the Runtime API calls these --------------------------------------------------

    async def next_invocation(self) -> _Delivery | None:
        receive = self._receive
        try:
            delivery = await receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None
        delivery.deadline_ms = int((time.time() + self.config.timeout) * 1000)
        delivery.started = time.perf_counter()
        delivery.buffer.start(LATEST)
        delivery.delivered.set()
        return delivery

    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool:
        current = self._current
        if current is None or current.invocation.request_id != request_id:
            return False
        if not current.delivered.is_set() or current.done.is_set():
            return False
        if self._fd >= 0:
            self._drain(self._fd)
        current.finish(payload, content_type, error_type)
        return True

    def stream_sink(self, request_id: str) -> Sink | None:
        current = self._current
        if current is None or current.invocation.request_id != request_id:
            return None
        return current.sink

    def restore(self) -> None:
        """Never called: lambent serve starts environments on demand, not from snapshots."""

    def init_failed(self, doc: dict[str, Any]) -> None:
        self._init_error = doc
        current = self._current
        if current is not None and not current.done.is_set():
            current.fail(doc)

    async def aclose(self) -> bool:
        """Shut the environment down as Lambda does: SIGTERM, SIGKILL after
        :data:`SHUTDOWN_TIMEOUT` (``lambent.runtime`` leaves the app's lifespan between
        the two, and exits 1 when that failed: its ``ShutdownError`` record is in the
        output; one that was still leaving it is cut, and the record says so, naming the
        app, as in process). False when the process ended with a failure status or was cut."""
        self._send.close()
        process, code, cut = self._process, None, False
        if process is not None and process.returncode is None:
            process.terminate()
            with anyio.move_on_after(SHUTDOWN_TIMEOUT):
                code = await process.wait()
            cut = code is None and self.config.mode == "lambent"
            await self._kill()
            if self._fd >= 0:
                self._drain(self._fd)
        if cut:
            cause = LifespanCut(self.config.target, SHUTDOWN_TIMEOUT)
            log_error(self._sink, errors.shutdown_error(cause))
        if self._api is not None:
            self._api.close()
            self._api = None
        return not cut and not (code is not None and code > 0)


def _message(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorMessage", ""))
    except (ValueError, AttributeError):
        return payload.decode(errors="replace")


class WorkerPool:
    """A function's environments; :meth:`run` uses an idle one or starts another."""

    def __init__(
        self, config: FunctionConfig, tg: anyio.abc.TaskGroup, sink: TextIO, host: str
    ) -> None:
        self.config = config
        self.handler = runtime_handler(config.target)
        self._tg = tg
        self._sink = sink
        self._host = host
        self._idle: list[Environment] = []
        self._all: list[Environment] = []

    @property
    def environments(self) -> list[Environment]:
        return list(self._all)

    async def run(self, invocation: Invocation) -> InvocationResult:
        if self._idle:
            env = self._idle.pop()
        else:
            env = Environment(self.config, self.handler, self._tg, self._sink, self._host)
            self._all.append(env)
        try:
            return await env.invoke(invocation)
        finally:
            self._idle.append(env)

    async def aclose(self) -> bool:
        with anyio.CancelScope(shield=True):
            left = [await env.aclose() for env in self._all]
        return all(left)
