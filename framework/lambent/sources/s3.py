"""Amazon S3 event notifications, direct or inside SQS, SNS and EventBridge envelopes.

LAMBDA.md §5.3: ``{"Records": [{"eventSource": "aws:s3", "eventName", "s3": {...}}]}``.
The object key on the wire is form-URL-encoded (``+`` is a space, ``%2B`` a plus):
:class:`S3Object` keeps it in ``raw_key`` and :attr:`S3Object.key` decodes it with
``unquote_plus``. Some producers prefix ``eventName`` with ``s3:``;
:attr:`S3Record.event_type` drops the prefix, and routes match on that.

:func:`extract_s3` finds S3 records inside other envelopes: an SQS body or SNS
``Message`` (JSON text), an SNS notification inside an SQS body, or an EventBridge
event from ``aws.s3`` (rebuilt as :class:`S3Record` items with the equivalent
``eventName``). Whether EventBridge URL-encodes ``detail.object.key`` is UNCONFIRMED
(LAMBDA.md §5.3); by default it is taken as the plain key.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote_plus, unquote_plus

import msgspec

from lambent._errors import ConfigurationError
from lambent.sources._base import (
    SourceSpec,
    first_record,
    iso,
    raw_path,
    raw_records,
    records_where,
)
from lambent.sources._match import Filter, arn_name, plain_name, shown
from lambent.sources._s3_eventbridge import (
    EventBridgeS3Bucket,
    EventBridgeS3Detail,
    EventBridgeS3Event,
    EventBridgeS3Object,
    event_name,
)


class S3Identity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    principal_id: str | None = None


class S3RequestParameters(msgspec.Struct, frozen=True, gc=False):
    source_ip_address: str | None = msgspec.field(default=None, name="sourceIPAddress")


class S3ResponseElements(msgspec.Struct, frozen=True, gc=False):
    request_id: str | None = msgspec.field(default=None, name="x-amz-request-id")
    id_2: str | None = msgspec.field(default=None, name="x-amz-id-2")


class S3Bucket(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str
    owner_identity: S3Identity | None = None
    arn: str | None = None


class S3Object(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The object; ``size`` and ``e_tag`` are absent on deletes."""

    raw_key: str = msgspec.field(name="key")
    size: int | None = None
    e_tag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None

    @property
    def key(self) -> str:
        """The object key, URL-decoded (``"red+flower%2B1.jpg"`` -> ``"red flower+1.jpg"``)."""
        return unquote_plus(self.raw_key)


class S3Entity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    bucket: S3Bucket
    object: S3Object
    s3_schema_version: str | None = None
    configuration_id: str | None = None


class S3RestoreEventData(msgspec.Struct, rename="camel", frozen=True, gc=False):
    lifecycle_restoration_expiry_time: str | None = None
    lifecycle_restore_storage_class: str | None = None


class S3GlacierEventData(msgspec.Struct, rename="camel", frozen=True, gc=False):
    restore_event_data: S3RestoreEventData | None = None


class S3Record(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One S3 notification record: the item a handler receives."""

    event_name: str
    s3: S3Entity
    event_version: str | None = None
    event_source: str = "aws:s3"
    aws_region: str | None = None
    event_time: str | None = None
    user_identity: S3Identity | None = None
    request_parameters: S3RequestParameters | None = None
    response_elements: S3ResponseElements | None = None
    glacier_event_data: S3GlacierEventData | None = None
    replication_event_data: dict[str, Any] | None = None
    intelligent_tiering_event_data: dict[str, Any] | None = None
    lifecycle_event_data: dict[str, Any] | None = None

    @property
    def event_type(self) -> str:
        """``eventName`` without an ``s3:`` prefix, e.g. ``"ObjectCreated:Put"``."""
        name = self.event_name
        return name[3:] if name.startswith("s3:") else name

    @property
    def bucket_name(self) -> str:
        return self.s3.bucket.name

    @property
    def key(self) -> str:
        """The URL-decoded object key."""
        return self.s3.object.key

    @property
    def event_at(self) -> datetime | None:
        """``eventTime`` (ISO-8601) as an aware datetime."""
        return None if self.event_time is None else iso(self.event_time)


class S3Event(msgspec.Struct, frozen=True, gc=False):
    """An S3 notification. The ``s3:TestEvent`` document has no records."""

    records: tuple[S3Record, ...] = msgspec.field(default=(), name="Records")
    service: str | None = msgspec.field(default=None, name="Service")
    event: str | None = msgspec.field(default=None, name="Event")

    @property
    def is_test_event(self) -> bool:
        return self.event == "s3:TestEvent"


def _is_test_event(value: Mapping[str, Any]) -> bool:
    return value.get("Service") == "Amazon S3" and value.get("Event") == "s3:TestEvent"


def detect(event: Mapping[str, Any]) -> bool:
    """``Records[0].eventSource == "aws:s3"`` (row 4), or the ``s3:TestEvent`` document."""
    first = first_record(event)
    if first is not None:
        return first.get("eventSource") == "aws:s3"
    return _is_test_event(event)


# -- S3 inside other envelopes ----------------------------------------------------------


def eventbridge_event_name(detail_type: str, detail: Mapping[str, Any]) -> str:
    """The notification ``eventName`` equivalent to an S3 EventBridge event."""
    return event_name(detail_type, detail.get("reason"), detail.get("deletion-type"))


def _from_eventbridge(value: Mapping[str, Any], *, key_encoded: bool) -> S3Record:
    """Raises ``msgspec.ValidationError`` naming the field when a part has the wrong type."""
    event = msgspec.convert(value, EventBridgeS3Event)
    detail = event.detail or EventBridgeS3Detail()
    obj = detail.object or EventBridgeS3Object()
    name = (detail.bucket or EventBridgeS3Bucket()).name
    return S3Record(
        event_name=event_name(event.detail_type, detail.reason, detail.deletion_type),
        event_version="2.1",
        aws_region=event.region,
        event_time=event.time,
        user_identity=S3Identity(principal_id=detail.requester),
        request_parameters=S3RequestParameters(source_ip_address=detail.source_ip_address),
        response_elements=S3ResponseElements(request_id=detail.request_id),
        s3=S3Entity(
            bucket=S3Bucket(
                name=name, arn=event.resources[0] if event.resources else f"arn:aws:s3:::{name}"
            ),
            object=S3Object(
                raw_key=obj.key if key_encoded else quote_plus(obj.key, safe="/"),
                size=obj.size,
                e_tag=obj.etag,
                version_id=obj.version_id,
                sequencer=obj.sequencer,
            ),
        ),
    )


def extract_s3(value: Any, *, eventbridge_keys_encoded: bool = False) -> list[S3Record] | None:
    """The S3 records carried by ``value``, or None when it carries no S3 notification.

    ``value`` may be JSON text (an SQS ``body``, an SNS ``Message``) or a decoded
    mapping. It may be an S3 notification, an SNS notification whose ``Message`` is
    one (SNS -> SQS), or an EventBridge event from ``aws.s3``. The ``s3:TestEvent``
    document gives an empty list. Raises ``msgspec.ValidationError`` when an S3
    notification's records are malformed.
    """
    if isinstance(value, str | bytes):
        try:
            value = msgspec.json.decode(value)
        except msgspec.DecodeError:
            return None
    if not isinstance(value, dict):
        return None
    first = first_record(value)
    if first is not None:
        if first.get("eventSource") != "aws:s3":
            return None
        return list(msgspec.convert(value, S3Event).records)
    if _is_test_event(value):
        return []
    if value.get("source") == "aws.s3" and "detail-type" in value:
        return [_from_eventbridge(value, key_encoded=eventbridge_keys_encoded)]
    message = value.get("Message")
    if value.get("Type") == "Notification" and isinstance(message, str):
        return extract_s3(message, eventbridge_keys_encoded=eventbridge_keys_encoded)
    return None


# -- spec --------------------------------------------------------------------------------


def _items(event: S3Event) -> Sequence[S3Record]:
    return event.records


def item_id(record: S3Record) -> str:
    """``x-amz-request-id`` qualified by the object's ``sequencer`` (unique per object event)."""
    elements = record.response_elements
    request_id = elements.request_id if elements is not None else None
    sequencer = record.s3.object.sequencer
    if request_id and sequencer:
        return f"{request_id}:{sequencer}"
    if request_id or sequencer:
        return request_id or sequencer or ""
    return f"{record.s3.bucket.name}/{record.s3.object.raw_key}@{record.event_time or ''}"


def _raw_id(raw: Any) -> str | None:
    """:func:`item_id` of a raw record that does not decode, when its ids can be read."""
    ids = raw_path("responseElements", "x-amz-request-id"), raw_path("s3", "object", "sequencer")
    return ":".join(part for read in ids if (part := read(raw))) or None


def _route_key(event: S3Event, record: S3Record) -> Hashable:
    return (record.s3.bucket.name, record.s3.object.key, record.event_type)


#: the event-name families of S3 notifications (``events=`` filters)
EVENT_FAMILIES = frozenset(
    {
        "ObjectCreated", "ObjectRemoved", "ObjectRestore", "ReducedRedundancyLostObject",
        "Replication", "LifecycleExpiration", "LifecycleTransition", "IntelligentTiering",
        "ObjectTagging", "ObjectAcl",
    }
)  # fmt: skip


def _events(events: Iterable[str] | None) -> tuple[str, ...] | None:
    """Normalise event filters (``s3:ObjectCreated:*`` -> ``ObjectCreated:*``), validated."""
    if events is None:
        return None
    out: list[str] = []
    for raw in [events] if isinstance(events, str) else events:
        name = raw.removeprefix("s3:")
        if name.split(":", 1)[0] not in EVENT_FAMILIES:
            raise ConfigurationError(
                f"unknown S3 event {raw!r}; expected one of the families "
                + ", ".join(sorted(EVENT_FAMILIES))
                + " (e.g. 'ObjectCreated:*')"
            )
        out.append(name)
    return tuple(out)


def _event_matches(patterns: tuple[str, ...] | None, event_name: str) -> bool:
    if patterns is None:
        return True
    return any(
        event_name == p
        or (p.endswith("*") and event_name.startswith(p[:-1]))
        or p == event_name.split(":")[0]
        for p in patterns
    )


def route_filter(
    bucket: str | None = None,
    prefix: str = "",
    suffix: str = "",
    events: Iterable[str] | None = None,
) -> Filter:
    """``@app.s3(bucket, prefix=, suffix=, events=)``: on the decoded key and event name.
    A bucket that is neither a name nor an ARN (``s3://photos/uploads/``, a path) is a
    :class:`ConfigurationError`: it would match no event."""
    if bucket is not None and not bucket.startswith("arn:") and not plain_name(bucket):
        hint = "a bucket name has no '/', ':' or spaces"
        if bucket.startswith("s3://"):
            name, _, key_prefix = bucket.removeprefix("s3://").partition("/")
            hint = f"for an s3:// URL, give bucket={name!r}" + (
                f", prefix={key_prefix!r}" if key_prefix else ""
            )
        raise ConfigurationError(f"bucket {bucket!r} is neither a name nor an ARN ({hint})")
    chosen = _events(events)
    bucket_name = None if bucket is None else arn_name(bucket.removeprefix("arn:aws:s3:::"))

    def matches(key: Hashable) -> bool:
        b, object_key, event_name = cast("tuple[str, str, str]", key)
        return (
            (bucket_name is None or b == bucket_name)
            and object_key.startswith(prefix)
            and object_key.endswith(suffix)
            and _event_matches(chosen, event_name)
        )

    filters = shown(bucket=bucket, prefix=prefix or None, suffix=suffix or None, events=chosen)
    return Filter(filters, matches)


def _events_overlap(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    """Whether two event filters can both match one event name."""
    if a is None or b is None:
        return True
    for x in a:
        for y in b:
            fx, _, rx = x.partition(":")
            fy, _, ry = y.partition(":")
            if fx == fy and (rx in ("", "*") or ry in ("", "*") or rx == ry):
                return True
    return False


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.get("bucket") != b.get("bucket") or len(a) != len(b):
        return False
    pa, pb = a.get("prefix", ""), b.get("prefix", "")
    sa, sb = a.get("suffix", ""), b.get("suffix", "")
    return (
        (pa.startswith(pb) or pb.startswith(pa))
        and (sa.endswith(sb) or sb.endswith(sa))
        and _events_overlap(a.get("events"), b.get("events"))
    )


def _unwrap(outer: Any, event: Any, item: Any) -> list[S3Record] | None:
    """S3 notifications inside an SQS body, an SNS message or an EventBridge event."""
    kind = outer.kind
    if kind == "eventbridge":
        return extract_s3(event)
    if kind in ("sqs", "sns") and outer.payload is not None:
        return extract_s3(outer.payload(item))
    return None


SPEC: SourceSpec[S3Event, S3Record] = SourceSpec(
    kind="s3",
    detect=detect,
    event_type=S3Event,
    item_type=S3Record,
    items=_items,
    raw_items=raw_records,
    raw_where=records_where,
    raw_id=_raw_id,
    item_id=item_id,
    route_key=_route_key,
    payload=None,
    response="all",
    route_filter=route_filter,
    overlaps=_overlaps,
    unwrap=_unwrap,
    item_label=lambda record: f"s3://{record.s3.bucket.name}/{record.key}",
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (SPEC,)

__all__ = [
    "SPEC",
    "SPECS",
    "S3Bucket",
    "S3Entity",
    "S3Event",
    "S3GlacierEventData",
    "S3Identity",
    "S3Object",
    "S3Record",
    "S3RequestParameters",
    "S3ResponseElements",
    "S3RestoreEventData",
    "detect",
    "eventbridge_event_name",
    "extract_s3",
    "item_id",
    "route_filter",
]
