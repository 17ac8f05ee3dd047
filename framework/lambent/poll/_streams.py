"""Kinesis and DynamoDB Streams, polled as Lambda's event source mapping polls them.

Every shard gets one reader task, started when the shard appears (the shard list is
read again every ``shard_refresh`` seconds, so children of a split or merge are
found) and only after its parents have ended. Records of a shard are invoked in
batches, one batch of a shard at a time, so order holds per shard and therefore per
partition key. After each invocation (LAMBDA.md §4.5):

* success: checkpoint at the batch's last record;
* ``batchItemFailures``: checkpoint just before the lowest reported sequence number
  (compared as integers) and retry from it; an exception, an invalid answer or (in a
  tumbling window) an answer without ``state`` fails the whole batch;
* ``bisect``: a batch of more than one record whose invocation failed (not one that
  reported failures) is split in two and each half retried on its own (splitting uses
  no retry);
* after ``max_retries`` retries, or once a record is older than ``max_record_age``,
  the remaining records are given up: the on-failure destination gets Lambda's
  metadata record and the checkpoint moves past them.

Tumbling windows: records are grouped by arrival time into windows of
``tumbling_window`` seconds; the state each invocation returns is passed to the
next of the same window; the last invocation of a window (known when a later
record arrives, the window's end passes, or the shard ends) has
``isFinalInvokeForWindow``. Every window invocation carries records.
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any

import anyio
import anyio.abc

from lambent._errors import describe
from lambent.poll._answers import verdict
from lambent.poll._checkpoint import Checkpoint, Checkpoints
from lambent.poll._destinations import Destination, failure_record
from lambent.poll._errors import explain
from lambent.poll._options import Source
from lambent.poll._runtime import Runtime
from lambent.poll._shards import Page, Reader, Shard
from lambent.poll._windows import Window

Record = dict[str, Any]


class StreamPoller:
    """The shards of one stream."""

    def __init__(
        self,
        rt: Runtime,
        source: Source,
        reader: Reader,
        checkpoints: Checkpoints,
        destination: Destination | None,
    ) -> None:
        self.rt, self.source, self.reader = rt, source, reader
        self.checkpoints, self.destination = checkpoints, destination
        self.stats = rt.stats_for(source)
        self.batch_size = rt.options.batch_size or 100
        self.finished: dict[str, anyio.Event] = {}
        self.function_arn = f"arn:aws:lambda:{source.region}:{source.account}:function:{getattr(rt.app, 'name', 'lambent')}"

    async def prepare(self) -> None:
        await self.reader.prepare()

    async def run(self, work: anyio.abc.TaskGroup) -> None:
        rt = self.rt
        # a shard listed first starts at the starting position; one that appears later
        # (a child of a split or merge, or a DynamoDB stream's rollover) holds only
        # records written since: it starts at its beginning, or LATEST would skip the
        # records written to it before it was opened
        position: str | None = None
        async with anyio.create_task_group() as shards:
            while not rt.stopping.is_set():
                try:
                    found = await rt.until_stopped(self.reader.shards)
                except Exception as exc:  # not an outage (those are retried): say, go on
                    self._failed("listing shards", exc)
                    found = None
                for shard in found or ():
                    if shard.id not in self.finished:
                        self.finished[shard.id] = anyio.Event()
                        shards.start_soon(self._shard, shard, position)
                if found is not None:
                    position = "TRIM_HORIZON"
                if rt.idle(self.stats):
                    break
                await rt.sleep(min(rt.options.shard_refresh, rt.options.idle_exit or math.inf))

    def _failed(self, what: str, exc: Exception, **where: str) -> None:
        """A call that is no outage failed (the stream was deleted, the credentials expired
        or lost a permission): one line saying what to fix; the caller goes on."""
        error = explain(exc, self.source, "stream", self.reader.permissions)
        self.rt.log.error(f"{what} failed", source=self.source.label, error=str(error), **where)

    def _key(self, shard: str) -> str:
        return f"{self.source.arn}#{shard}"

    async def _shard(self, shard: Shard, position: str | None) -> None:
        rt = self.rt
        for parent in shard.parents:
            event = self.finished.get(parent)
            while event is not None and not event.is_set():
                if rt.stopping.is_set() or rt.idle(self.stats):
                    return
                await rt.sleep(0.2)
        opened: list[tuple[Checkpoint | None, str | None]] = []

        async def open_shard() -> None:
            saved = await self.checkpoints.get(self._key(shard.id))
            after = saved.sequence if saved else None
            ended = saved is not None and saved.ended
            iterator = None if ended else await self._open(shard.id, after, position)
            opened.append((saved, iterator))

        def failed(exc: Exception) -> None:
            self._failed("opening the shard", exc, shard=shard.id)

        if not await rt.insist(open_shard, failed, idle=self.stats):
            return
        saved, iterator = opened[0]
        if saved is not None and saved.ended:
            self.finished[shard.id].set()
            return
        last_read = saved.sequence if saved else None
        pending: list[Record] = []
        first_at = 0.0
        window = Window(rt.options.tumbling_window)
        while not rt.stopping.is_set():
            got: Page | None = None
            # a window looks one batch ahead, to know which invocation is its last
            room = self.batch_size * (2 if window.seconds else 1) - len(pending)
            if iterator is not None and room > 0:
                try:
                    got = await rt.until_stopped(
                        functools.partial(
                            self._read,
                            shard.id,
                            iterator,
                            min(room, self.batch_size),
                            last_read,
                            position,
                        )
                    )
                except Exception as exc:  # not an outage (those are retried): say, wait
                    self._failed("read", exc, shard=shard.id)
                    if rt.idle(self.stats):
                        return
                    await rt.sleep(rt.options.retry_cap)
                    continue
                if got is None:
                    break
                if not pending and got.records:
                    first_at = time.monotonic()
                pending += got.records
                iterator = got.next_iterator
                if got.records:
                    last_read = self.reader.sequence(got.records[-1])
                    self.stats.last_record_at = time.monotonic()
                    self.stats.lag_ms = got.lag_ms or self.stats.lag_ms
            caught_up = iterator is None or (got is not None and not got.records)
            # a closed shard read to its end (some endpoints, moto among them, never
            # answer a null iterator for it)
            ended = iterator is None or (
                shard.end is not None and caught_up and got is not None and got.lag_ms == 0
            )
            batch = self._ready(pending, first_at, ended, caught_up, window)
            if batch:
                pending = pending[len(batch) :]
                await self._run_batch(shard.id, batch, window)
                first_at = time.monotonic()
                continue
            if ended and not pending:
                await self._save(shard.id, Checkpoint(last_read, ended=True))
                self.finished[shard.id].set()
                return
            if rt.idle(self.stats):
                return
            if got is None or not got.records:
                await rt.sleep(rt.options.poll_interval)

    async def _open(self, shard: str, after: str | None, position: str | None = None) -> str:
        """An iterator just after the checkpoint ``after``; when the stream no longer
        keeps that record (DynamoDB's ``TrimmedDataAccessException``: the poller was
        stopped longer than the stream's 24 hours), at the oldest record it keeps, with a
        warning: records were lost."""
        try:
            return await self.reader.iterator(shard, after, position)
        except Exception as exc:
            if after is None or "TrimmedDataAccess" not in type(exc).__name__ + str(exc):
                raise
        self.rt.log.warning(
            "the checkpoint is older than the stream's oldest record; resuming there "
            "(records in between expired unread)",
            source=self.source.label,
            shard=shard,
            checkpoint=after,
        )
        return await self.reader.iterator(shard, None, "TRIM_HORIZON")

    async def _read(
        self, shard: str, iterator: str, limit: int, after: str | None, position: str | None
    ) -> Page:
        """A page of ``shard``; an expired iterator is opened again just after ``after``,
        the last record read (not the checkpoint: records read since, still waiting for
        their batch, would be read twice, out of order)."""
        try:
            return await self.reader.read(shard, iterator, limit)
        except Exception as exc:
            if "ExpiredIterator" not in type(exc).__name__ + str(exc):
                raise
            fresh = await self._open(shard, after, position)
            return await self.reader.read(shard, fresh, limit)

    def _ready(
        self,
        pending: list[Record],
        first_at: float,
        ended: bool,
        caught_up: bool,
        window: Window,
    ) -> list[Record]:
        """The next batch to invoke, or ``[]`` to read (or wait) more."""
        if not pending:
            return []
        opts = self.rt.options
        if window.seconds:
            return window.ready(pending, self.batch_size, ended, caught_up, self.reader.arrival)
        full = len(pending) >= self.batch_size
        waited = time.monotonic() - first_at >= opts.window
        return pending[: self.batch_size] if full or waited or ended else []

    async def _run_batch(self, shard: str, batch: list[Record], window: Window) -> None:
        extra = window.fields(batch, self.reader.arrival, shard, self.source.arn)
        await self._process(shard, batch, extra)
        if extra is not None:
            window.done(extra)

    def _event(self, records: list[Record], extra: dict[str, Any] | None) -> dict[str, Any]:
        return {"Records": records, **(extra or {})}

    async def _process(
        self,
        shard: str,
        records: list[Record],
        extra: dict[str, Any] | None,
        *,
        retry: bool = False,
    ) -> bool:
        """Invoke until ``records`` are done (succeeded or given up); checkpoints as it goes.

        False when shutdown starts before they are: no retry (nor bisected half) starts
        once it has, the rest is neither checkpointed nor given up (a restart resumes at
        the first of them), and the caller runs nothing after them.
        """
        rt, stats, seq = self.rt, self.stats, self.reader.sequence
        opts = rt.options
        attempts = 0
        todo = records
        while todo:
            if (retry or attempts) and rt.stopping.is_set():
                return False
            stats.batches += 1
            stats.records += len(todo)
            # a slot per invocation: a batch waiting out its retry backoff (or a
            # checkpoint, or its destination) holds none from other sources and shards
            async with rt.slots:
                invocation = await rt.invoke(self.source, self._event(todo, extra))
            answer = invocation.response
            if (
                extra is not None
                and isinstance(answer, dict)
                and isinstance(answer.get("state"), dict)
            ):
                extra["state"] = answer["state"]
            cut, whole = verdict(invocation, todo, seq, extra is not None)
            if cut is None:
                stats.succeeded += len(todo)
                await self._checkpoint(shard, todo[-1])
                return True
            if cut:
                stats.succeeded += cut
                await self._checkpoint(shard, todo[cut - 1])
                todo = todo[cut:]
                # progress: the retries count afresh for the new first record (whether
                # Lambda resets them is UNCONFIRMED; not resetting would give a record up
                # after fewer failures than --max-retries allows)
                attempts = 0
            stats.failed += len(todo)
            # a failed invocation is bisected; reported failures are retried from the
            # lowest one as one batch ("split at the returned sequence number")
            if opts.bisect and whole and len(todo) > 1:
                half = len(todo) // 2
                return await self._process(
                    shard, todo[:half], extra, retry=True
                ) and await self._process(shard, todo[half:], extra, retry=True)
            attempts += 1
            oldest = self.reader.arrival(todo[0])
            # -1: until the record leaves the stream (Lambda's "until it expires"; the
            # poller holds it in memory, so it is judged by the stream's retention)
            most = opts.max_record_age if opts.max_record_age > 0 else self.reader.retention
            if time.time() - oldest > most:
                return await self._give_up(shard, todo, "RecordAgeExceeded", attempts)
            if 0 <= opts.max_retries < attempts:
                return await self._give_up(shard, todo, "RetryAttemptsExhausted", attempts)
            stats.retried += len(todo)
            await rt.sleep(min(opts.retry_cap, opts.retry_base * 2 ** min(attempts, 10)))
        return True

    async def _checkpoint(self, shard: str, record: Record) -> None:
        await self._save(shard, Checkpoint(self.reader.sequence(record)))

    async def _save(self, shard: str, checkpoint: Checkpoint) -> None:
        """Save a checkpoint until the store takes it (one error line each time it does
        not); at shutdown it is left unsaved: a restart delivers those records again."""

        def failed(exc: Exception) -> None:
            self.rt.log.error(
                "checkpoint failed; the shard waits for it",
                source=self.source.label,
                shard=shard,
                error=describe(exc),
            )

        put = functools.partial(self.checkpoints.put, self._key(shard), checkpoint)
        await self.rt.insist(put, failed)

    async def _give_up(
        self, shard: str, records: list[Record], condition: str, attempts: int
    ) -> bool:
        """Record ``records`` as given up (the destination's record, then the checkpoint
        past them); False when shutdown started before the destination took it."""
        self.stats.discarded += len(records)
        seq, arrival = self.reader.sequence, self.reader.arrival
        self.rt.log.warning(
            "records given up",
            source=self.source.label,
            shard=shard,
            condition=condition,
            first=seq(records[0]),
            last=seq(records[-1]),
            count=len(records),
        )
        if self.destination is not None:
            sent = await self._send(
                shard,
                failure_record(
                    function_arn=self.function_arn,
                    condition=condition,
                    attempts=attempts,
                    info_key=self.reader.info_key,
                    shard=shard,
                    stream_arn=self.source.arn,
                    sequences=(seq(records[0]), seq(records[-1])),
                    arrivals=(arrival(records[0]), arrival(records[-1])),
                    size=len(records),
                ),
            )
            if not sent:
                return False  # shutdown first: not checkpointed, a restart gives them up again
        await self._checkpoint(shard, records[-1])
        return True

    async def _send(self, shard: str, record: dict[str, Any]) -> bool:
        """Send to the destination until it takes the record; False when shutdown starts
        first. The shard waits: records given up are never skipped unrecorded."""
        destination = self.destination
        assert destination is not None

        def failed(exc: Exception) -> None:
            self.rt.log.error(
                "on-failure destination failed; the shard waits for it",
                source=self.source.label,
                shard=shard,
                error=str(destination.explain(exc)),
            )

        return await self.rt.insist(functools.partial(destination.send, record), failed)
