"""SQS FIFO: each message group runs in order, groups run concurrently.

After a failure the rest of *that* group is not run and is reported failed (it
must not be processed before the failed message); other groups go on. With
``strict_order=True`` (or ``App(strict_fifo=True)``) lambent follows AWS's
documented rule instead: stop the whole batch at the first failure and report it
and everything after it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lambent import App
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, sqs_event

app = App()
ran: list[str] = []


class Step(msgspec.Struct):
    account: str
    n: int
    ok: bool = True


@app.sqs("ledger.fifo")
async def apply(step: Step, message: SQSMessage) -> None:
    if not step.ok:
        raise ValueError(f"step {step.account}#{step.n} rejected")
    ran.append(f"{message.message_group_id}#{step.n}")


@app.sqs("strict.fifo", strict_order=True)
async def apply_strictly(step: Step) -> None:
    if not step.ok:
        raise ValueError("rejected")
    ran.append(f"strict {step.account}#{step.n}")


def _batch(queue: str) -> dict[str, Any]:
    steps = [
        Step("a", 1),
        Step("b", 1),
        Step("a", 2, ok=False),
        Step("b", 2),
        Step("a", 3),
        Step("b", 3),
    ]
    return sqs_event(*steps, queue=queue, group_id=[s.account for s in steps])


def reported(event: dict[str, Any], result: dict[str, Any]) -> list[int]:
    """The batch positions of the reported records."""
    ids = [r["messageId"] for r in event["Records"]]
    return [ids.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]


def run() -> dict[str, Any]:
    ran.clear()
    per_group = _batch("ledger.fifo")
    per_group_result = app.handler(per_group, FakeContext())
    strict = _batch("strict.fifo")
    strict_result = app.handler(strict, FakeContext())
    return {
        "ran": list(ran),
        "per_group_reported": reported(per_group, per_group_result),
        "strict_reported": reported(strict, strict_result),
    }


if __name__ == "__main__":
    print(run())
