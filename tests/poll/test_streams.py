"""The stream poller (lambent.poll._streams) over moto's Kinesis, through readers that
show what moto cannot: an iterator that expires, a shard that appears while polling
runs, records older than the stream keeps. Whole polls: test_kinesis.py,
test_dynamodb.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from botocore.exceptions import ClientError

from lambent.poll import PollOptions, parse_source
from lambent.poll._checkpoint import MemoryCheckpoints
from lambent.poll._runtime import Runtime, Stats
from lambent.poll._shards import KinesisReader, Page, Shard
from lambent.poll._streams import StreamPoller
from tests.loggers import QuietLogger
from tests.poll._helpers import Wrapped, client, read_log
from tests.poll.apps.recorder import app
from tests.poll.test_kinesis import check_order, make_stream, options, put, readings

pytestmark = pytest.mark.network


def _poll(
    arn: str, opts: PollOptions, wrap: Callable[[KinesisReader], Any], stop_after: float = 0
) -> Stats:
    """Poll ``arn`` through ``wrap(reader)`` until idle (or for ``stop_after`` seconds)."""
    source = parse_source(arn, "us-east-1")

    async def main() -> Stats:
        rt = Runtime(app, opts, QuietLogger())
        try:
            sdk = await rt.client("kinesis", "us-east-1")
            reader = wrap(KinesisReader(source, sdk, rt.retrier(source), opts))
            poller = StreamPoller(rt, source, reader, MemoryCheckpoints(), None)
            await poller.prepare()
            async with anyio.create_task_group() as work:
                work.start_soon(poller.run, work)
                if stop_after:
                    await anyio.sleep(stop_after)
                    rt.stopping.set()
        finally:
            await rt.aclose()
        return rt.stats_for(source)

    return anyio.run(main)


class _ExpiresOnce(Wrapped):
    """moto's Kinesis reader, whose second ``GetRecords`` answers Kinesis's
    ``ExpiredIteratorException`` (an iterator unused for five minutes)."""

    reads = 0

    async def read(self, shard: str, iterator: str, limit: int) -> Page:
        self.reads += 1
        if self.reads == 2:
            raise ClientError(
                {"Error": {"Code": "ExpiredIteratorException", "Message": "Iterator expired"}},
                "GetRecords",
            )
        page: Page = await self.reader.read(shard, iterator, limit)
        return page


def test_an_expired_iterator_resumes_after_the_last_record_read(
    moto_url: str, poll_log: Path
) -> None:
    # the batching window keeps the first page's records waiting when the iterator
    # expires: they must not be read again (the old poller reopened it at the checkpoint)
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "expiring", shards=1)
    data = readings(5, keys=1)
    put(kinesis, "expiring", data)
    opts = options(moto_url, window=1.0, batch_size=10, retry_base=0.05)
    _poll(arn, opts, _ExpiresOnce)
    assert [e["n"] for e in read_log(poll_log)] == [r["n"] for r in data]


class _AppearsLater(Wrapped):
    """moto's Kinesis reader, whose first shard list lacks the stream's last shard: a
    shard that appears while polling runs (a child of a split or merge: moto's
    ``SplitShard`` keeps writing to the parent, so it cannot show one)."""

    listings = 0

    async def shards(self) -> list[Shard]:
        self.listings += 1
        found: list[Shard] = await self.reader.shards()
        return found[:-1] if self.listings == 1 else found


def test_a_shard_that_appears_later_starts_at_its_beginning_under_latest(
    moto_url: str, poll_log: Path
) -> None:
    # LATEST applies to the shards listed when polling starts; a shard appearing later
    # holds only records written since, and opening it at LATEST skipped those written
    # to it before it was found
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "appearing", shards=2)
    last = kinesis.list_shards(StreamName="appearing")["Shards"][-1]
    data = readings(5, keys=5)
    for r in data:
        kinesis.put_record(
            StreamName="appearing", Data=json.dumps(r).encode(), PartitionKey=r["key"],
            ExplicitHashKey=last["HashKeyRange"]["StartingHashKey"],
        )  # fmt: skip
    opts = options(moto_url, starting_position="LATEST", idle_exit=2.0, shard_refresh=0.5)
    _poll(arn, opts, _AppearsLater)
    check_order(read_log(poll_log), data)


class _DayOld(Wrapped):
    """moto's Kinesis reader, whose records arrived 25 hours ago (past the stream's
    24-hour retention)."""

    def arrival(self, record: dict[str, Any]) -> float:
        return float(self.reader.arrival(record)) - 25 * 3600


def test_a_poison_record_is_given_up_once_the_stream_would_have_dropped_it(
    moto_url: str, poll_log: Path
) -> None:
    # with Lambda's defaults (-1, -1) a failing record is retried until it expires from
    # the stream; the poller holds it in memory, so it judges that by the retention
    kinesis = client("kinesis", moto_url)
    arn = make_stream(kinesis, "expired", shards=1)
    put(kinesis, "expired", [{"key": "k", "n": 0, "fail": "always"}, {"key": "k", "n": 1}])
    opts = options(moto_url, idle_exit=None)
    stats = _poll(arn, opts, _DayOld, stop_after=3)  # before: retried all along
    assert stats.discarded == 2  # the record, and the one after it of its key
    assert [(e["event"], e["n"]) for e in read_log(poll_log)] == [("failed", 0)]
