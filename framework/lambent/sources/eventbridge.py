"""EventBridge (CloudWatch Events) events delivered by a rule (LAMBDA.md §5.12).

One event per invocation, delivered asynchronously. S3 notifications routed through
EventBridge (``source == "aws.s3"``) and Lambda destination records sent to an event bus
(``source == "lambda"``) are EventBridge events too; scheduled rules are claimed first by
:mod:`lambent.sources.schedule`.

Route key: ``(source, detail_type)``. Payload: ``detail`` (already builtins).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import SourceSpec, iso
from lambent.sources._match import Filter, glob, glob_shadow, pair, shown

__all__ = ["SPECS", "EventBridgeEvent", "detect", "is_eventbridge"]


class EventBridgeEvent(
    msgspec.Struct,
    frozen=True,
    gc=False,
    rename={"detail_type": "detail-type", "replay_name": "replay-name"},
):
    """An EventBridge event. The event and the item."""

    id: str = ""
    detail_type: str = ""
    source: str = ""
    #: ``"0"``; absent in some hand-written sample events
    version: str | None = None
    account: str = ""
    #: ISO-8601, e.g. ``"2019-03-01T01:23:45Z"``; see :attr:`timestamp`
    time: str = ""
    region: str = ""
    resources: list[str] = msgspec.field(default_factory=list)
    #: the service- or application-defined body (normally an object)
    detail: Any = None
    #: set when the event is re-delivered by an archive replay
    replay_name: str | None = None

    @property
    def timestamp(self) -> datetime | None:
        """``time`` as an aware datetime (``None`` when absent or unparseable)."""
        try:
            return iso(self.time)
        except ValueError:
            return None


def is_eventbridge(event: Mapping[str, Any]) -> bool:
    """String ``detail-type`` and ``source``, a ``detail`` key, and ``version`` ``"0"`` or
    absent (LAMBDA.md §6 row 20). CloudWatch alarm actions (``source`` but no
    ``detail-type``) and Lambda destination records sent straight to a function
    (``requestContext``/``responsePayload``) fail it."""
    return (
        type(event.get("detail-type")) is str
        and type(event.get("source")) is str
        and "detail" in event
        and event.get("version", "0") == "0"
    )


def detect(event: Mapping[str, Any]) -> bool:
    return is_eventbridge(event)


def _route_filter(source: str | None = None, detail_type: str | None = None) -> Filter:
    """``@app.eventbridge(source, detail_type)``: both globs."""
    return Filter(
        shown(source=source, detail_type=detail_type), pair(glob(source), glob(detail_type))
    )


SPECS: tuple[SourceSpec[EventBridgeEvent, EventBridgeEvent], ...] = (
    SourceSpec(
        requires="detail-type",
        kind="eventbridge",
        detect=detect,
        event_type=EventBridgeEvent,
        item_type=EventBridgeEvent,
        item_id=lambda event: event.id,
        route_key=lambda event, item: (item.source, item.detail_type),
        payload=lambda event: event.detail,
        payload_format="decoded",
        response="single",
        route_filter=_route_filter,
        # a route an earlier glob takes every event of would never run
        overlaps=glob_shadow("source", "detail_type"),
    ),
)
