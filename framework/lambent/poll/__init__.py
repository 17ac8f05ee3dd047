"""Lambda's event source mappings, run outside Lambda: ``lambent.poll.run(app, *sources)``.

SQS queues (standard and FIFO), Kinesis streams and DynamoDB streams are polled with
aiobotocore and every batch goes to ``app.dispatch`` as the event Lambda would send,
with Lambda's rules for what is deleted, checkpointed, retried and given up
(``docs/poll.md``). The same app runs unchanged as a Lambda handler, a local poller
against moto or LocalStack, or a fleet of workers on containers.

``run`` returns when shutdown is asked (SIGINT/SIGTERM, or the ``stop`` event), or
when every source has been idle for ``idle_exit`` seconds; in-flight batches get
``grace`` seconds to finish, then they are cancelled and their SQS messages made
visible again. Nothing is deleted or checkpointed that was not processed.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import anyio.abc

from lambent._errors import describe
from lambent._lifespans import StartupFailed
from lambent._logging import emit, get_logger
from lambent.poll._errors import explain
from lambent.poll._options import (
    PollError,
    PollOptions,
    Source,
    check_source,
    parse_source,
    source_spec,
)
from lambent.poll._runtime import Runtime, Stats

__all__ = ["PollError", "PollOptions", "PollReport", "Source", "Stats", "parse_source", "run"]


class _Poller(Protocol):
    async def prepare(self) -> None: ...
    async def run(self, work: anyio.abc.TaskGroup) -> None: ...


@dataclass(frozen=True, slots=True)
class PollReport:
    """What a ``run`` did, per source."""

    stats: dict[str, Stats]
    stopped_by: str

    @property
    def records(self) -> int:
        return sum(s.records for s in self.stats.values())


def check_routes(app: Any, source: Source) -> None:
    """Raise :class:`PollError` unless some route of ``app`` takes records of ``source``."""
    spec = source_spec(source)
    assert spec.poll is not None
    keys = spec.poll.route_keys(source.arn)
    for route in app.routes:  # the table ``lambent routes`` prints
        if route.kind == spec.kind and any(route.matches(key) for key in keys):
            return
    raise PollError(
        f"the app has no route for {source.label}; "
        f"add @{spec.poll.decorator}({source.name!r}) or a catch-all"
    )


def _reader(source: Source) -> str | None:
    """The shard reader of ``source`` (``None``: a queue)."""
    poll = source_spec(source).poll
    return None if poll is None else poll.reader


async def _poller(rt: Runtime, source: Source) -> _Poller:
    reader_name = _reader(source)
    if reader_name is None:
        from lambent.poll._sqs import SQSPoller

        return SQSPoller(rt, source)
    from lambent.poll import _checkpoint, _shards
    from lambent.poll._destinations import Destination
    from lambent.poll._streams import StreamPoller

    opts = rt.options
    retry = rt.retrier(source)
    reader_type = getattr(_shards, reader_name)
    reader = reader_type(source, await rt.client(reader_type.service, source.region), retry, opts)
    checkpoints: _checkpoint.Checkpoints
    where = opts.checkpoint
    if where is None:
        checkpoints = _checkpoint.MemoryCheckpoints()
    elif where.startswith("dynamodb://"):
        table = _checkpoint.DynamoDBCheckpoints(
            where.removeprefix("dynamodb://"), await rt.client("dynamodb", source.region), retry
        )
        try:
            await table.prepare()
        except Exception as exc:
            raise explain(exc, source, "checkpoint table for", _checkpoint.PERMISSIONS) from None
        checkpoints = table
    else:
        checkpoints = _checkpoint.FileCheckpoints(where)
    destination = None
    if opts.on_failure is not None:
        service, region = opts.on_failure.split(":")[2:4]
        destination = Destination(opts.on_failure, await rt.client(service, region), retry)
        await destination.prepare()
    return StreamPoller(rt, source, reader, checkpoints, destination)


async def run(
    app: Any,
    *sources: str | Source,
    options: PollOptions | None = None,
    stop: anyio.Event | None = None,
    signals: bool = True,
) -> PollReport:
    """Poll ``sources`` (queue URLs or ARNs, stream ARNs) into ``app`` until stopped.

    Raises :class:`PollError` before polling starts when a source does not exist, may
    not be read, or has no route in ``app``. What the app's lifespan raises on its way
    in is raised as it is; on its way out, it is logged (``lifespan failed at shutdown``,
    with its traceback), then raised as it is.
    """
    try:
        report, failed = await session(app, *sources, options=options, stop=stop, signals=signals)
    except StartupFailed as exc:
        failed = exc.error
    else:
        if failed is None:
            return report
    raise failed  # outside the handler: not chained to StartupFailed


async def session(
    app: Any,
    *sources: str | Source,
    options: PollOptions | None = None,
    stop: anyio.Event | None = None,
    signals: bool = True,
) -> tuple[PollReport, BaseException | None]:
    """:func:`run`, with what the lifespan raised on its way out returned beside the
    report, once logged (``lambent poll`` exits 1 then, without a traceback); what it
    raised on its way in (``SystemExit`` too) is raised as :class:`StartupFailed`."""
    opts = options or PollOptions()
    opts.check()
    if not sources:
        raise PollError("no source to poll")
    region = opts.region or _default_region()
    parsed = [s if isinstance(s, Source) else parse_source(s, region) for s in sources]
    if opts.on_failure and any(_reader(s) is None for s in parsed):
        raise PollError(
            "on-failure destinations apply to streams; an SQS queue's failures go to "
            "the DLQ of its redrive policy"
        )
    for source in parsed:
        check_source(opts, source)
        check_routes(app, source)
    log = get_logger("lambent.poll")
    rt = Runtime(app, opts, log)
    stopped_by = ["idle"]
    error: BaseException | None = None
    failed: BaseException | None = None
    try:
        async with anyio.create_task_group() as guard:
            # signals are heard from the start: before polling, while the lifespan is
            # entered and the sources are checked, a stop ends the start-up (nothing was
            # received yet); once polling ended, a second signal cuts the lifespan's exit
            if signals:  # listening before the lifespan runs a line (start, not start_soon)
                await guard.start(_signals, rt, stopped_by)
            if stop is not None:
                guard.start_soon(_external, rt, stop, stopped_by)
            polling, leaving = anyio.Event(), anyio.Event()
            try:
                with anyio.CancelScope() as life:
                    guard.start_soon(_cut, rt, life, polling, leaving)
                    running = app.running()
                    await _enter(running)
                    try:
                        await _poll(rt, parsed, polling)
                    except BaseException:
                        await _leave(rt, running)  # what ended polling goes on
                        raise
                    leaving.set()
                    failed = await _leave(rt, running)
            except anyio.get_cancelled_exc_class():
                raise
            except BaseException as exc:  # raised as it is, not in the task group's group
                error = exc
            guard.cancel_scope.cancel()
        if error is not None:
            raise error
    finally:
        with anyio.CancelScope(shield=True):
            await rt.aclose()
    for stats in rt.stats.values():
        log.info("stopped", **stats.line())
    return PollReport(dict(rt.stats), stopped_by[0]), failed


async def _enter(running: Any) -> None:
    """Enter the app's lifespan: what it raises (``SystemExit`` and ``KeyboardInterrupt``
    too, not a cancellation) is raised as :class:`StartupFailed`."""
    try:
        await running.__aenter__()
    except anyio.get_cancelled_exc_class():
        raise
    except BaseException as exc:
        raise StartupFailed(exc) from None


async def _leave(rt: Runtime, running: Any) -> BaseException | None:
    """Leave the app's lifespan: what it raises (``SystemExit`` and ``KeyboardInterrupt``
    too, not a cancellation) is logged and returned."""
    try:
        await running.__aexit__(None, None, None)
    except anyio.get_cancelled_exc_class():
        raise
    except BaseException as exc:
        emit(rt.log.error, "lifespan failed at shutdown", error=describe(exc), exc_info=exc)
        return exc
    return None


async def _poll(rt: Runtime, parsed: list[Source], polling: anyio.Event) -> None:
    opts, log = rt.options, rt.log
    pollers = [await _poller(rt, s) for s in parsed]
    for poller in pollers:
        await poller.prepare()
    started = time.monotonic()
    for stats in rt.stats.values():  # idle_exit counts from here, not from a slow start-up
        stats.last_record_at = started
    polling.set()
    log.info("polling", sources=[s.label for s in parsed], concurrency=opts.concurrency)
    async with anyio.create_task_group() as outer:
        outer.start_soon(_progress, rt)
        async with anyio.create_task_group() as work:
            outer.start_soon(_grace, rt, work.cancel_scope)
            for poller in pollers:
                work.start_soon(poller.run, work)
        outer.cancel_scope.cancel()


def _default_region() -> str:
    import os

    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


async def _progress(rt: Runtime) -> None:
    while True:
        await anyio.sleep(rt.options.progress_every)
        for stats in rt.stats.values():
            rt.log.info("progress", **stats.line())


async def _grace(rt: Runtime, work: anyio.CancelScope) -> None:
    """After shutdown starts, in-flight batches have ``grace`` seconds, then are cancelled."""
    await rt.stopping.wait()
    with anyio.move_on_after(rt.options.grace):
        await rt.forced.wait()
    rt.log.warning("grace period over: cancelling unfinished batches", grace=rt.options.grace)
    work.cancel()


async def _cut(
    rt: Runtime, life: anyio.CancelScope, polling: anyio.Event, leaving: anyio.Event
) -> None:
    """A stop before polling started ends the start-up; a second signal after polling
    ended (while the lifespan is left) ends that too."""
    await rt.stopping.wait()
    if not polling.is_set():
        rt.log.info("stopping before polling started")
        life.cancel()
        return
    await rt.forced.wait()
    await leaving.wait()
    life.cancel()


async def _external(rt: Runtime, stop: anyio.Event, stopped_by: list[str]) -> None:
    await stop.wait()
    stopped_by[0] = "stop"
    rt.stopping.set()


async def _signals(
    rt: Runtime,
    stopped_by: list[str],
    *,
    task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
        task_status.started()
        async for signum in received:
            if rt.stopping.is_set():
                rt.log.warning("second signal: stopping now")
                rt.forced.set()
                continue
            stopped_by[0] = signal.Signals(signum).name
            rt.log.info("stopping: finishing in-flight batches", grace=rt.options.grace)
            rt.stopping.set()
