"""SQS partial batch failures: a failed record is reported, its siblings are not.

A record fails when its handler raises or its body does not decode into the
declared type. The function returns ``{"batchItemFailures": [...]}`` naming only
those records, so SQS deletes the others and redelivers just the failed ones
(the event source mapping needs ``FunctionResponseTypes: [ReportBatchItemFailures]``).
"""

from __future__ import annotations

from typing import Any

import msgspec

from lambent import App, Logger
from lambent.testing import FakeContext, sqs_event

app = App()
charged: list[str] = []


class Payment(msgspec.Struct):
    id: str
    amount: int
    card: str


class CardDeclined(Exception):
    pass


@app.sqs("payments")
async def charge(payment: Payment, log: Logger) -> None:
    if payment.card.startswith("0000"):
        raise CardDeclined(payment.id)
    charged.append(payment.id)
    log.info("charged", payment=payment.id)


def run() -> dict[str, Any]:
    event = sqs_event(
        {"id": "p1", "amount": 500, "card": "4242"},
        {"id": "p2", "amount": 900, "card": "0000"},  # the handler raises
        {"id": "p3", "amount": "ten", "card": "4242"},  # does not decode: $.amount
        {"id": "p4", "amount": 100, "card": "4242"},
        queue="payments",
    )
    result: dict[str, Any] = app.handler(event, FakeContext())
    ids = [r["messageId"] for r in event["Records"]]
    failed = [ids.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]
    return {"charged": sorted(charged), "failed_positions": failed, "response": result}


if __name__ == "__main__":
    print(run())
