"""The top-level fields of a tumbling-window stream invocation (Kinesis and DynamoDB
Streams, LAMBDA.md §4.5), which both sources' event Structs carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import iso

__all__ = ["TimeWindow", "WindowedStreamEvent"]


class TimeWindow(msgspec.Struct, frozen=True, gc=False):
    """The ``window`` of a tumbling-window stream invocation (Kinesis, DynamoDB Streams)."""

    start: str
    end: str

    @property
    def start_at(self) -> datetime:
        return iso(self.start)

    @property
    def end_at(self) -> datetime:
        return iso(self.end)


class WindowedStreamEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The top-level fields a tumbling-window invocation adds to a stream batch
    (LAMBDA.md §4.5); absent (None) for ordinary batches."""

    window: TimeWindow | None = None
    state: dict[str, Any] | None = None
    shard_id: str | None = None
    event_source_arn: str | None = msgspec.field(default=None, name="eventSourceARN")
    is_final_invoke_for_window: bool | None = None
    is_window_terminated_early: bool | None = None

    @property
    def is_tumbling_window(self) -> bool:
        """True when the invocation belongs to a tumbling window (the response needs ``state``)."""
        return self.window is not None
