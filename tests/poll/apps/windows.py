"""A tumbling-window app: counts the records of each window in its state."""

from __future__ import annotations

from typing import Any

from lambent import App
from lambent.sources.kinesis import KinesisRecord, KinesisStreamEvent

app = App("windows")
#: (window start, final?, state returned) of every invocation
calls: list[tuple[str, bool, dict[str, Any]]] = []


@app.kinesis(window=True)
async def count(
    records: list[KinesisRecord], state: dict[str, Any], event: KinesisStreamEvent
) -> dict[str, Any]:
    state = {"count": int(state.get("count", 0)) + len(records)}
    assert event.window is not None
    calls.append((event.window.start, bool(event.is_final_invoke_for_window), state))
    return state
