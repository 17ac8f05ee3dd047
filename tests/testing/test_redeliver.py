"""lambent.testing.redeliver/deliver: what Lambda sends again after a partial failure."""

from __future__ import annotations

import pytest

from lambent import App
from lambent.testing import deliver, kinesis_event, redeliver, sns_event, sqs_event


def test_sqs_redelivers_only_reported_messages() -> None:
    event = sqs_event({"n": 1}, {"n": 2}, {"n": 3}, queue="q")
    ids = [r["messageId"] for r in event["Records"]]
    again = redeliver(event, {"batchItemFailures": [{"itemIdentifier": ids[1]}]})
    assert again is not None
    assert [r["messageId"] for r in again["Records"]] == [ids[1]]
    assert again["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert event["Records"][1]["attributes"]["ApproximateReceiveCount"] == "1"  # not changed
    assert redeliver(event, {"batchItemFailures": []}) is None
    assert redeliver(event, None) is None
    whole = redeliver(event, RuntimeError("function error"))
    assert whole is not None and len(whole["Records"]) == 3


def test_streams_resume_from_the_lowest_reported_sequence_number() -> None:
    event = kinesis_event({"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, stream="s")
    numbers = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    again = redeliver(
        event,
        {"batchItemFailures": [{"itemIdentifier": numbers[3]}, {"itemIdentifier": numbers[1]}]},
    )
    assert again is not None
    assert [r["kinesis"]["sequenceNumber"] for r in again["Records"]] == numbers[1:]


def test_other_sources_are_refused() -> None:
    with pytest.raises(ValueError, match="sns"):
        redeliver(sns_event({"n": 1}), RuntimeError())


async def test_deliver_until_nothing_fails() -> None:
    app = App()
    seen: list[int] = []

    @app.sqs("q")
    async def handle(body: dict[str, int]) -> None:
        seen.append(body["n"])
        if body["n"] == 2 and seen.count(2) < 3:
            raise ValueError("not yet")

    results = await deliver(app, sqs_event({"n": 1}, {"n": 2}, queue="q"), attempts=5)
    assert len(results) == 3 and results[-1] == {"batchItemFailures": []}
    assert sorted(seen) == [1, 2, 2, 2]
