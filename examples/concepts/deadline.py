"""The deadline margin: finish in time, report what did not finish.

lambent gives a batch ``context.get_remaining_time_in_millis()`` minus the app's
``deadline_margin`` (seconds). When that budget runs out it stops starting records,
cancels the running ones and reports every unfinished record as failed, so Lambda
retries them instead of timing out the whole batch.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec

from lambent import App
from lambent.testing import FakeContext, sqs_event

app = App(deadline_margin=0.5)
done: list[str] = []


class Job(msgspec.Struct):
    id: str
    seconds: float


@app.sqs("jobs")
async def work(job: Job) -> None:
    await anyio.sleep(job.seconds)
    done.append(job.id)


def run() -> dict[str, Any]:
    done.clear()
    event = sqs_event(Job("quick", 0.01), Job("slow", 30), Job("also-quick", 0.02), queue="jobs")
    started = time.monotonic()
    # one second left in this invocation: the batch gets 1.0 - 0.5 seconds
    result = app.handler(event, FakeContext(timeout=1.0))
    elapsed = time.monotonic() - started
    ids = [r["messageId"] for r in event["Records"]]
    failed = [ids.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]
    return {"done": sorted(done), "failed_positions": failed, "elapsed": elapsed}


if __name__ == "__main__":
    print(run())
