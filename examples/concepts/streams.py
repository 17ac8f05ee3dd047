"""Kinesis: records of one partition key in order, keys concurrently, and tumbling windows.

A failed record is reported by sequence number, together with every later record of
its partition key (not run); Lambda checkpoints at the lowest reported number, so no
record is skipped. A ``window=True`` handler gets the window's records as a list and
the state carried from the previous invocation, and returns the new state.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lambent import App
from lambent.sources.kinesis import KinesisRecord
from lambent.testing import FakeContext, kinesis_event

app = App()
seen: list[str] = []


class Reading(msgspec.Struct):
    sensor: str
    value: float


@app.kinesis("readings")
async def record_reading(reading: Reading) -> None:
    if reading.value < 0:
        raise ValueError(f"negative reading from {reading.sensor}")
    seen.append(f"{reading.sensor}={reading.value}")


class Click(msgspec.Struct):
    page: str


_click = msgspec.json.Decoder(Click)


@app.kinesis("clicks", window=True)
def count_clicks(records: list[KinesisRecord], state: dict[str, Any]) -> dict[str, Any]:
    """Clicks per page over the window; the returned dict is the next invocation's state."""
    counts: dict[str, int] = dict(state.get("counts", {}))
    for record in records:
        page = _click.decode(record.data).page
        counts[page] = counts.get(page, 0) + 1
    return {"counts": counts}


def in_window(event: dict[str, Any], state: dict[str, Any], *, final: bool) -> dict[str, Any]:
    """Add the tumbling-window fields Lambda sends to a Kinesis event."""
    return event | {
        "window": {"start": "2024-06-01T12:00:00Z", "end": "2024-06-01T12:05:00Z"},
        "state": state,
        "shardId": "shardId-000000000000",
        "eventSourceARN": event["Records"][0]["eventSourceARN"],
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": False,
    }


def run() -> dict[str, Any]:
    seen.clear()
    readings = kinesis_event(
        {"sensor": "s1", "value": 1.5},
        {"sensor": "s2", "value": 7.0},
        {"sensor": "s1", "value": -1.0},  # fails: s1's later records are not run
        {"sensor": "s2", "value": 8.0},
        {"sensor": "s1", "value": 2.5},
        stream="readings",
        partition_key=["s1", "s2", "s1", "s2", "s1"],
    )
    result = app.handler(readings, FakeContext())
    numbers = [r["kinesis"]["sequenceNumber"] for r in readings["Records"]]
    reported = [numbers.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]

    first = kinesis_event({"page": "/"}, {"page": "/cart"}, stream="clicks")
    state = app.handler(in_window(first, {}, final=False), FakeContext())["state"]
    second = kinesis_event({"page": "/"}, stream="clicks")
    final = app.handler(in_window(second, state, final=True), FakeContext())
    return {"seen": list(seen), "reported": reported, "window": final}


if __name__ == "__main__":
    print(run())
