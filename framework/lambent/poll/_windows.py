"""Tumbling windows of one shard (LAMBDA.md §4.5): records grouped by arrival time into
windows of ``tumbling_window`` seconds, the state each invocation returns passed to the
next of its window, and which invocation is a window's last."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class Window:
    """Tumbling-window bookkeeping of one shard: the current window and its state."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start: float | None = None
        self.state: dict[str, Any] = {}
        #: whether the batch :meth:`ready` returned last is its window's last
        self.final = False

    def _start_of(self, arrival: float) -> float:
        return math.floor(arrival / self.seconds) * self.seconds

    def ready(
        self,
        pending: list[Record],
        size: int,
        ended: bool,
        caught_up: bool,
        arrival: Callable[[Record], float],
    ) -> list[Record]:
        """A full batch of the oldest window, or all its records once the window is over
        (then it is the window's final invocation)."""
        start = self._start_of(arrival(pending[0]))
        same = 0
        while same < len(pending) and self._start_of(arrival(pending[same])) == start:
            same += 1
        over = caught_up and time.time() >= start + self.seconds
        closed = ended or same < len(pending) or over
        self.final = closed and same <= size
        if same > size:
            return pending[:size]
        return pending[:same] if closed else []

    def fields(
        self,
        batch: list[Record],
        arrival: Callable[[Record], float],
        shard: str,
        arn: str,
    ) -> dict[str, Any] | None:
        if not self.seconds:
            return None
        start = self._start_of(arrival(batch[0]))
        if start != self.start:
            self.start, self.state = start, {}
        return {
            "window": {"start": _iso(start), "end": _iso(start + self.seconds)},
            "state": dict(self.state),
            "shardId": shard,
            "eventSourceARN": arn,
            "isFinalInvokeForWindow": self.final,
            "isWindowTerminatedEarly": False,
        }

    def done(self, extra: dict[str, Any]) -> None:
        self.state = dict(extra.get("state") or {})
