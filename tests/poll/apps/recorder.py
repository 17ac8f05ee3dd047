"""Apps the poll tests run, in process or under ``lambent poll``.

Each processed record is appended to the JSON-lines file named by ``$POLL_LOG`` (one
``write`` per line, so several processes can share it). A message body
``{"id": N, "mode": M}`` says how the handler behaves: ``ok``; ``fail`` (always
raises); ``once`` (raises on its first receive only, judged by SQS's own
``ApproximateReceiveCount``, so it holds across processes); ``slow`` (never ends).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import anyio
import msgspec

from lambent import App
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.sqs import SQSMessage


class Job(msgspec.Struct):
    id: int
    mode: str = "ok"
    group: str = ""


def log(entry: dict[str, Any]) -> None:
    path = os.environ.get("POLL_LOG")
    if not path:
        return
    line = (json.dumps(entry, default=str) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


app = App("recorder")


@app.sqs()
async def on_message(job: Job, message: SQSMessage) -> None:
    count = message.attributes.receive_count
    if job.mode == "slow":  # for shutdown tests: runs until cancelled
        log({"event": "started", "id": job.id, "group": job.group, "receive": count})
        await anyio.sleep(3600)
    if job.mode == "fail" or (job.mode == "once" and count == 1):
        log({"event": "failed", "id": job.id, "group": job.group, "receive": count})
        raise RuntimeError(f"job {job.id} fails ({job.mode})")
    log({"event": "ok", "id": job.id, "group": job.group, "receive": count})


class Reading(msgspec.Struct):
    key: str
    n: int
    #: "once": fails on its first delivery (remembered in $POLL_STATE_DIR); "always"
    fail: str = ""


@app.kinesis()
def on_reading(reading: Reading, record: KinesisRecord) -> None:
    seq = record.kinesis.sequence_number
    delay = float(os.environ.get("POLL_SLEEP", "0"))
    if delay:
        time.sleep(delay)
    first = False
    if reading.fail == "once":
        marker = os.path.join(os.environ["POLL_STATE_DIR"], seq)
        first = not os.path.exists(marker)
        if first:
            open(marker, "w").close()
    if reading.fail == "always" or first:
        log({"event": "failed", "key": reading.key, "n": reading.n, "seq": seq})
        raise RuntimeError(f"reading {reading.key}/{reading.n} fails ({reading.fail})")
    log({"event": "ok", "key": reading.key, "n": reading.n, "seq": seq})


@app.dynamodb(events=["INSERT"])
async def on_insert(record: DynamoDBRecord) -> None:
    if (record.new_image or {}).get("poison"):
        log({"event": "failed", "keys": record.keys})
        raise RuntimeError(f"item {record.keys} is poison")
    log({"event": "INSERT", "keys": record.keys, "new": record.new_image})


@app.dynamodb(events=["MODIFY"])
async def on_modify(record: DynamoDBRecord) -> None:
    log({"event": "MODIFY", "keys": record.keys, "old": record.old_image, "new": record.new_image})


@app.dynamodb(events=["REMOVE"])
async def on_remove(record: DynamoDBRecord) -> None:
    log({"event": "REMOVE", "keys": record.keys, "old": record.old_image})


empty = App("empty")
