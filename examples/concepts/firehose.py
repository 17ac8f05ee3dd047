"""Firehose transformation: return new data (Ok), ``Dropped``, or raise (ProcessingFailed).

Every input record comes back exactly once, in order. A returned Struct, dict or
list is written as one JSON line; ``Transformed(data, {"key": "value"})`` adds
dynamic-partitioning keys; returning ``None`` keeps the record as it was.
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from lambent import App, Dropped, Transformed
from lambent.testing import FakeContext, firehose_event

app = App()


class AccessLog(msgspec.Struct):
    path: str
    status: int
    ms: float


class Row(msgspec.Struct):
    path: str
    status: int
    slow: bool


@app.firehose("access-logs")
def to_row(log: AccessLog) -> Transformed | object:
    if log.path == "/health":
        return Dropped  # health checks are noise
    if log.ms < 0:
        raise ValueError("negative latency")  # ProcessingFailed: Firehose backs it up
    row = Row(log.path, log.status, slow=log.ms > 1000)
    return Transformed(row, {"status": str(log.status // 100) + "xx"})


def run() -> list[dict[str, Any]]:
    event = firehose_event(
        {"path": "/orders", "status": 200, "ms": 12.5},
        {"path": "/health", "status": 200, "ms": 0.4},
        {"path": "/orders", "status": 500, "ms": -1},
        "not json",
        {"path": "/search", "status": 404, "ms": 1500},
        stream="access-logs",
    )
    response = app.handler(event, FakeContext())
    out = []
    for record in response["records"]:
        entry = {"result": record["result"], "data": base64.b64decode(record["data"])}
        if "metadata" in record:
            entry["partition_keys"] = record["metadata"]["partitionKeys"]
        out.append(entry)
    return out


if __name__ == "__main__":
    for entry in run():
        print(entry)
