"""The local Lambda server: functions, their event queues and the Invoke API, started and stopped.

:meth:`LocalLambda.serve` runs until :meth:`LocalLambda.stop`; the stop is graceful and
loses no accepted event: the listener closes, queued Event invocations keep running for
up to ``drain_timeout`` seconds, running invocations finish (synchronous callers get
their answers, Event attempts reach their destinations), and the events still queued or
waiting for a retry are written to ``state_dir``, from which the next start resumes them
(:mod:`lambent._local.state`). The returned :class:`ShutdownReport` counts each kind. :class:`ServerThread` runs a
server on a background event loop, for tests and for synchronous programs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import anyio
import anyio.abc
import anyio.from_thread
from aiohttp import web

from lambent._errors import ConfigurationError
from lambent._loading import load_object
from lambent._local import errors, guard, invoke_api, logs, state
from lambent._local.async_queue import EventQueue
from lambent._local.bad_requests import QuietRunner
from lambent._local.destinations import AwsClients, Destination, parse_destination
from lambent._local.function import FunctionTable, LocalFunction, check_config
from lambent._local.inprocess import InProcessRunner, Runner
from lambent._local.launch import shared_lambda_variables
from lambent._local.model import FunctionConfig, Invocation
from lambent._local.worker import WorkerPool, bind


@dataclass(frozen=True)
class ShutdownReport:
    """What a graceful stop found.

    ``waited``: invocations running at the stop; ``finished``: async events that reached
    their end (a destination, or none configured) while this server ran; ``left``:
    async events still owed at the end, of which ``persisted`` were saved to the state
    directory (the rest, with no state directory, are lost and said so);
    ``lifespans_failed``: functions whose lifespan failed on its way out (each logged).
    """

    waited: int
    left: int
    left_by_function: dict[str, int]
    finished: int = 0
    persisted: int = 0
    resumed: int = 0
    lifespans_failed: int = 0


class LocalLambda:
    """A local Lambda service running some functions."""

    def __init__(
        self,
        functions: Sequence[FunctionConfig],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        aws_endpoint_url: str | None = None,
        shutdown_timeout: float = 60.0,
        output: TextIO | None = None,
        verbose: bool = False,
        state_dir: Path | None = None,
        drain_timeout: float = 0.0,
        allow_remote: bool = False,
    ) -> None:
        if not functions:
            raise ValueError("a local Lambda needs at least one function")
        names = [config.name for config in functions]
        for config in functions:
            check_config(config)
            if names.count(config.name) > 1:
                raise ConfigurationError(f"two functions are named {config.name!r}")
        self.configs = list(functions)
        self.host = host
        self.port = port
        self.url = ""
        self.functions = FunctionTable([])
        self.queues: dict[str, EventQueue] = {}
        self._endpoint_url = aws_endpoint_url
        self._shutdown_timeout = shutdown_timeout
        self._output = output or sys.stderr
        self._verbose = verbose
        self._stop: anyio.Event | None = None
        self._stop_requested = False
        self.state_dir = state_dir
        self._drain_timeout = drain_timeout
        self._resumed = 0
        self.remote = guard.check_bind(host, allow_remote)

    @property
    def resumed(self) -> int:
        """Async events taken back from the state directory at this start."""
        return self._resumed

    def allowed_hosts(self) -> frozenset[str] | None:
        return None if self.remote else guard.host_values(self.host, self.port)

    # -- the Invoke API backend -------------------------------------------------------

    def submit_event(self, function: LocalFunction, invocation: Invocation) -> None:
        queue = self.queues[function.config.name]
        try:
            queue.submit(invocation)
        except RuntimeError:
            raise errors.service_unavailable("the local Lambda is shutting down") from None

    def _submit_local(self, name: str, payload: bytes) -> None:
        function = self.functions.get(name)
        if function is None:
            self.say(f"destination function {name!r} is not served here; record dropped")
            return
        self.queues[name].submit(
            Invocation(function=name, payload=payload, invoked_arn=function.config.arn)
        )

    def say(self, message: str) -> None:
        self._output.write(f"lambent: {message}\n")
        self._output.flush()

    # -- lifecycle --------------------------------------------------------------------

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def stop(self) -> None:
        """Begin a graceful stop (call on the server's event loop)."""
        self._stop_requested = True
        if self._stop is not None:
            self._stop.set()

    def _runner(self, config: FunctionConfig, tg: anyio.abc.TaskGroup) -> Runner:
        if config.mode != "in-process":
            return WorkerPool(config, tg, self._output, self.host)
        return InProcessRunner(config, load_object(config.target))

    @contextmanager
    def _in_process_environment(self) -> Iterator[None]:
        """The in-process functions' variables, set in this process's environment (which
        they share) from before their apps are imported until the server stops: their
        ``--env`` ones, and those Lambda sets that they all have the same value of."""
        in_process = [config for config in self.configs if config.mode == "in-process"]
        wanted: dict[str, str] = shared_lambda_variables(in_process)
        for config in in_process:
            wanted.update(config.environment)
        before = {key: os.environ.get(key) for key in wanted}
        os.environ.update(wanted)
        try:
            yield
        finally:
            for key, value in before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _destination(self, spec: str | None, clients: AwsClients) -> Destination | None:
        if spec is None:
            return None
        return parse_destination(spec, clients, self._submit_local)

    async def serve(
        self, *, task_status: anyio.abc.TaskStatus[str] = anyio.TASK_STATUS_IGNORED
    ) -> ShutdownReport:
        """Serve until :meth:`stop`; ``task_status`` receives the base URL once listening."""
        self._stop = anyio.Event()
        if self._stop_requested:
            self._stop.set()
        logs.install(self._output, self._output)
        report = ShutdownReport(0, 0, {})
        try:
            async with AsyncExitStack() as stack, anyio.create_task_group() as tg:
                stack.enter_context(self._in_process_environment())
                clients = AwsClients(stack, self._endpoint_url)
                say = self.say if self._verbose else None
                functions = [LocalFunction(cfg, self._runner(cfg, tg)) for cfg in self.configs]
                self.functions = FunctionTable(functions)
                for function in functions:
                    policy = function.config.policy
                    self.queues[function.config.name] = EventQueue(
                        function,
                        self._destination(policy.on_success, clients),
                        self._destination(policy.on_failure, clients),
                        say,
                    )
                    tg.start_soon(self.queues[function.config.name].run)
                resume = self._resume()
                runner = QuietRunner(
                    invoke_api.build_app(self), self.say, shutdown_timeout=self._shutdown_timeout
                )
                try:
                    await runner.setup()
                    sock = bind(self.host, self.port)
                    self.port = int(sock.getsockname()[1])
                    host = f"[{self.host}]" if ":" in self.host else self.host
                    self.url = f"http://{host}:{self.port}"
                    await web.SockSite(runner, sock).start()
                    task_status.started(self.url)
                    resume()
                    await self._stop.wait()
                    report = await self._shutdown(runner, functions)
                finally:
                    failed = 0
                    with anyio.CancelScope(shield=True):
                        if runner.server is not None:
                            await runner.cleanup()
                        for function in functions:
                            failed += not await function.runner.aclose()
                    tg.cancel_scope.cancel()
                    report = replace(report, lifespans_failed=failed)
        finally:
            logs.uninstall()
        return report

    async def _shutdown(
        self, runner: web.AppRunner, functions: list[LocalFunction]
    ) -> ShutdownReport:
        for site in list(runner.sites):
            await site.stop()  # no new connections; Event calls on open ones answer 500
        for queue in self.queues.values():
            queue.close()
        queued = sum(q.pending for q in self.queues.values())
        if queued and self._drain_timeout > 0:
            self.say(f"stopping: running queued events for up to {self._drain_timeout:g}s")
            with anyio.move_on_after(self._drain_timeout):
                for queue in self.queues.values():
                    await queue.drain()
        running = sum(f.running for f in functions)
        for queue in self.queues.values():
            queue.stop()
        if running:
            self.say(f"stopping: waiting for {running} running invocation(s)")
        await runner.cleanup()
        persisted = 0
        for name, queue in self.queues.items():
            await queue.wait_stopped()
            if self.state_dir is not None:
                persisted += state.save(self.state_dir, name, queue.leftovers())
        left = {name: queue.pending for name, queue in self.queues.items() if queue.pending}
        finished = sum(sum(q.outcomes.values()) for q in self.queues.values())
        return ShutdownReport(running, sum(left.values()), left, finished, persisted, self._resumed)

    def _resume(self) -> Callable[[], None]:
        """Read the events an earlier server left; the returned call queues them."""
        if self.state_dir is None:
            return lambda: None
        found = {name: state.load(self.state_dir, name) for name in self.queues}

        def resume() -> None:
            for name, (items, path) in found.items():
                for item in items:
                    self.queues[name].resume(item)
                self._resumed += len(items)
                if path is not None:
                    path.unlink()

        return resume


class ServerThread:
    """Run a :class:`LocalLambda` on an event loop in a background thread.

    ``with ServerThread(server) as url: ...`` serves at ``url`` inside the block and stops
    gracefully at its end; :attr:`report` then holds the :class:`ShutdownReport`.
    """

    def __init__(self, server: LocalLambda) -> None:
        self.server = server
        self.report: ShutdownReport | None = None
        self.url = ""
        self._stack = ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._future: Future[ShutdownReport] | None = None

    def __enter__(self) -> str:
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._future, url = self._portal.start_task(self.server.serve)
        self.url = str(url)
        return self.url

    def call(self, func: Any, *args: Any) -> Any:
        """Call ``func(*args)`` on the server's loop (sync or async) and return its result."""
        assert self._portal is not None
        return self._portal.call(func, *args)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._portal is not None and self._future is not None:
                self._portal.call(self.server.stop)
                self.report = self._future.result(timeout=120)
        finally:
            self._stack.close()
