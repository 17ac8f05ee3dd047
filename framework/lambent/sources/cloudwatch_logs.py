"""Amazon CloudWatch Logs subscription filters delivered to Lambda.

LAMBDA.md §5.13: ``{"awslogs": {"data": base64(gzip(JSON))}}``. The compressed
document is ``{"messageType": "DATA_MESSAGE", "owner", "logGroup", "logStream",
"subscriptionFilters", "logEvents": [{"id", "timestamp": <ms>, "message"}],
"policyLevel"?}``. Both gzip and zlib framing occur (the corpus has a zlib one), so
decompression auto-detects the header. ``CONTROL_MESSAGE`` documents yield no items.

Each log event is an item, carrying its group and stream (:class:`LogEvent`); routes
match on the log group. The payload is the message text (``payload_format="json"``:
a declared Struct decodes the message as JSON, a ``str`` annotation receives it raw).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import FieldError, SourceSpec, epoch_ms
from lambent.sources._match import glob_filter, glob_shadow

#: ``wbits`` that make zlib accept both gzip and zlib headers
_AUTO_WBITS = 32 + zlib.MAX_WBITS


class RawLogEvent(msgspec.Struct, frozen=True, gc=False):
    id: str
    timestamp: int
    message: str


class LogsData(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The decompressed subscription document."""

    message_type: str
    owner: str | None = None
    log_group: str = ""
    log_stream: str = ""
    subscription_filters: tuple[str, ...] = ()
    log_events: tuple[RawLogEvent, ...] = ()
    policy_level: str | None = None

    @property
    def is_control_message(self) -> bool:
        return self.message_type == "CONTROL_MESSAGE"


_logs_decoder = msgspec.json.Decoder(LogsData)
_DATA = "$.awslogs.data"


def decompress(data: str | bytes) -> bytes:
    """The JSON text inside ``awslogs.data``: base64, then gzip or zlib (a
    :class:`~lambent.sources._base.FieldError` naming ``$.awslogs.data`` when it is not)."""
    try:
        return zlib.decompress(base64.b64decode(data), _AUTO_WBITS)
    except (ValueError, TypeError, zlib.error) as exc:
        raise FieldError(f"not base64 of gzip or zlib data: {exc}", _DATA) from None


def decode_data(data: str | bytes) -> LogsData:
    """``awslogs.data`` decoded into :class:`LogsData` (a FieldError when it is not JSON;
    ``msgspec.ValidationError`` when the JSON is not a subscription document)."""
    try:
        return _logs_decoder.decode(decompress(data))
    except msgspec.ValidationError:
        raise
    except msgspec.DecodeError as exc:
        raise FieldError(f"the decompressed data is not JSON: {exc}", _DATA) from None


class AwsLogs(msgspec.Struct, frozen=True, gc=False):
    data: str


class CloudWatchLogsEvent(msgspec.Struct, frozen=True, gc=False):
    """The whole invocation event; :attr:`decoded` decompresses ``awslogs.data``."""

    awslogs: AwsLogs

    @property
    def decoded(self) -> LogsData:
        return decode_data(self.awslogs.data)


class LogEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One log event with its group and stream: the item a handler receives."""

    id: str
    timestamp: int
    message: str
    log_group: str = ""
    log_stream: str = ""
    owner: str | None = None
    subscription_filters: tuple[str, ...] = ()

    @property
    def time(self) -> datetime:
        """``timestamp`` (epoch ms) as a UTC datetime."""
        return epoch_ms(self.timestamp)


def detect(event: Mapping[str, Any]) -> bool:
    """``awslogs.data`` is a string (LAMBDA.md §6 row 9)."""
    awslogs = event.get("awslogs")
    return isinstance(awslogs, dict) and isinstance(awslogs.get("data"), str)


def log_events(data: LogsData) -> list[LogEvent]:
    """The items of a decoded document (none for a control message)."""
    if data.is_control_message:
        return []
    return [
        LogEvent(
            id=e.id,
            timestamp=e.timestamp,
            message=e.message,
            log_group=data.log_group,
            log_stream=data.log_stream,
            owner=data.owner,
            subscription_filters=data.subscription_filters,
        )
        for e in data.log_events
    ]


def _items(event: CloudWatchLogsEvent) -> Sequence[LogEvent]:
    return log_events(event.decoded)


def _raw_items(event: Mapping[str, Any]) -> Sequence[Any]:
    """Raw log events with the document's group/stream merged in (no items if undecodable)."""
    try:
        document = msgspec.json.decode(decompress(event["awslogs"]["data"]))
    except (KeyError, TypeError, ValueError, zlib.error, msgspec.DecodeError):
        return ()
    if not isinstance(document, dict) or document.get("messageType") == "CONTROL_MESSAGE":
        return ()
    shared = {
        "logGroup": document.get("logGroup", ""),
        "logStream": document.get("logStream", ""),
        "owner": document.get("owner"),
        "subscriptionFilters": document.get("subscriptionFilters") or [],
    }
    events = document.get("logEvents")
    return [
        {**e, **shared} if isinstance(e, dict) else e
        for e in (events if isinstance(events, list) else ())
    ]


def _item_id(event: LogEvent) -> str:
    return event.id


def _route_key(event: CloudWatchLogsEvent, item: LogEvent) -> Hashable:
    return item.log_group


def _payload(event: LogEvent) -> str:
    return event.message


SPEC: SourceSpec[CloudWatchLogsEvent, LogEvent] = SourceSpec(
    requires="awslogs",
    kind="cloudwatch-logs",
    detect=detect,
    event_type=CloudWatchLogsEvent,
    item_type=LogEvent,
    items=_items,
    raw_items=_raw_items,
    raw_where=lambda event, i: f"{_DATA}.logEvents[{i}]",  # in the decompressed document
    item_id=_item_id,
    route_key=_route_key,
    payload=_payload,
    payload_format="json",
    response="all",
    route_filter=lambda group=None: glob_filter("group", group),
    overlaps=glob_shadow("group"),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "AwsLogs",
    "CloudWatchLogsEvent",
    "LogEvent",
    "LogsData",
    "RawLogEvent",
    "decode_data",
    "decompress",
    "detect",
    "log_events",
]
