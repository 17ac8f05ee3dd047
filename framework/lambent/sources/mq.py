"""Amazon MQ: ActiveMQ and RabbitMQ brokers, delivered by an event source mapping.

LAMBDA.md §4.6. ActiveMQ: ``{"eventSource": "aws:mq", "eventSourceArn", "messages":
[{messageID, messageType, destination: {physicalName}, data: <base64>, ...}]}``; the
corpus also shows ``eventSource == "aws:amq"`` and the AWS guide spells
``physicalname``, so both are accepted. RabbitMQ: ``{"eventSource": "aws:rmq",
"rmqMessagesByQueue": {"<queue>::<vhost>": [{basicProperties, redelivered, data}]}}``.

Amazon MQ has no partial batch response: any failure fails the invocation and the
broker redelivers the batch (``response="all"``). Two specs, both of kind ``"mq"``.
RabbitMQ messages do not carry their queue, so the items handed out are copies with
``queue``/``vhost``/``position`` filled in (these three are not AWS fields).
"""

from __future__ import annotations

import base64
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import (
    SourceSpec,
    b64_field,
    epoch_ms,
    grouped_where,
    list_where,
    one_of,
    raw_path,
)
from lambent.sources._match import exact_filter

ACTIVEMQ_SOURCES = frozenset({"aws:mq", "aws:amq"})


class ActiveMQDestination(msgspec.Struct, frozen=True, gc=False):
    physical_name: str | None = msgspec.field(default=None, name="physicalName")
    physicalname: str | None = None

    @property
    def name(self) -> str:
        """The queue or topic name, whichever spelling carried it."""
        return self.physical_name or self.physicalname or ""


class ActiveMQMessage(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One ActiveMQ message: the item a handler receives."""

    message_id: str = msgspec.field(name="messageID")
    data: str = ""
    message_type: str | None = None
    destination: ActiveMQDestination = ActiveMQDestination()
    timestamp: int | None = None
    broker_in_time: int | None = None
    broker_out_time: int | None = None
    delivery_mode: int | None = None
    reply_to: str | None = None
    type: str | None = None
    expiration: int | None = None
    priority: int | None = None
    correlation_id: str | None = None
    correlation_id_upper: str | None = msgspec.field(default=None, name="correlationID")
    connection_id: str | None = None
    redelivered: bool | None = None
    persistent: bool | None = None
    properties: dict[str, Any] = {}

    @property
    def data_bytes(self) -> bytes:
        """``data``, base64-decoded."""
        return base64.b64decode(self.data)

    @property
    def destination_name(self) -> str:
        return self.destination.name

    @property
    def time(self) -> datetime | None:
        """``timestamp`` (epoch ms) as a UTC datetime."""
        return None if self.timestamp is None else epoch_ms(self.timestamp)

    @property
    def broker_in_at(self) -> datetime | None:
        return None if self.broker_in_time is None else epoch_ms(self.broker_in_time)

    @property
    def broker_out_at(self) -> datetime | None:
        return None if self.broker_out_time is None else epoch_ms(self.broker_out_time)


class ActiveMQEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    event_source: str
    messages: tuple[ActiveMQMessage, ...] = ()
    event_source_arn: str | None = None


class RabbitMQBasicProperties(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """AMQP basic properties; string header values arrive as ``{"bytes": [...]}``."""

    content_type: str | None = None
    content_encoding: str | None = None
    headers: dict[str, Any] | None = None
    delivery_mode: int | None = None
    priority: int | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    expiration: str | None = None
    message_id: str | None = None
    #: a locale-formatted date string on the wire (e.g. "Jan 1, 1970, 12:33:41 AM")
    timestamp: str | None = None
    type: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    cluster_id: str | None = None
    body_size: int | None = None


class RabbitMQMessage(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One RabbitMQ message: the item a handler receives."""

    data: str = ""
    basic_properties: RabbitMQBasicProperties = RabbitMQBasicProperties()
    redelivered: bool | None = None
    #: filled in by lambent from the ``"<queue>::<vhost>"`` key (not AWS fields)
    queue: str = ""
    vhost: str = ""
    position: int = 0

    @property
    def data_bytes(self) -> bytes:
        return base64.b64decode(self.data)

    @property
    def decoded_headers(self) -> dict[str, Any]:
        """Headers with ``{"bytes": [...]}`` values turned into ``str`` (UTF-8)."""
        out: dict[str, Any] = {}
        for name, value in (self.basic_properties.headers or {}).items():
            if isinstance(value, dict) and isinstance(value.get("bytes"), list):
                out[name] = bytes(b & 0xFF for b in value["bytes"]).decode("utf-8", "replace")
            else:
                out[name] = value
        return out


class RabbitMQEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    event_source: str
    rmq_messages_by_queue: dict[str, tuple[RabbitMQMessage, ...]] = {}
    event_source_arn: str | None = None


def split_queue_key(key: str) -> tuple[str, str]:
    """``"<queue>::<vhost>"`` -> ``(queue, vhost)``."""
    queue, _, vhost = key.rpartition("::")
    return (queue, vhost) if queue else (key, "")


def detect_activemq(event: Mapping[str, Any]) -> bool:
    """``eventSource`` is ``aws:mq`` (or ``aws:amq``) and ``messages`` a list (row 11)."""
    return one_of(event.get("eventSource"), ACTIVEMQ_SOURCES) and isinstance(
        event.get("messages"), list
    )


def detect_rabbitmq(event: Mapping[str, Any]) -> bool:
    """``eventSource == "aws:rmq"`` and ``rmqMessagesByQueue`` an object (row 12)."""
    return event.get("eventSource") == "aws:rmq" and isinstance(
        event.get("rmqMessagesByQueue"), Mapping
    )


def detect(event: Mapping[str, Any]) -> bool:
    """Either broker."""
    return detect_activemq(event) or detect_rabbitmq(event)


def _activemq_items(event: ActiveMQEvent) -> Sequence[ActiveMQMessage]:
    return event.messages


def _activemq_raw_items(event: Mapping[str, Any]) -> Sequence[Any]:
    messages = event.get("messages")
    return messages if isinstance(messages, list) else ()


def _activemq_route_key(event: ActiveMQEvent, message: ActiveMQMessage) -> Hashable:
    return message.destination.name


def _activemq_item_id(message: ActiveMQMessage) -> str:
    return message.message_id


def _activemq_payload(message: ActiveMQMessage) -> bytes:
    return b64_field(message.data, "$.data")


def _rabbitmq_items(event: RabbitMQEvent) -> Sequence[RabbitMQMessage]:
    out: list[RabbitMQMessage] = []
    for key, messages in event.rmq_messages_by_queue.items():
        queue, vhost = split_queue_key(key)
        for position, message in enumerate(messages):
            out.append(
                msgspec.structs.replace(message, queue=queue, vhost=vhost, position=position)
            )
    return out


def _rabbitmq_raw_items(event: Mapping[str, Any]) -> Sequence[Any]:
    by_queue = event.get("rmqMessagesByQueue")
    if not isinstance(by_queue, dict):
        return ()
    out: list[Any] = []
    for key, messages in by_queue.items():
        queue, vhost = split_queue_key(str(key))
        for position, message in enumerate(messages if isinstance(messages, list) else ()):
            if isinstance(message, dict):
                message = {**message, "queue": queue, "vhost": vhost, "position": position}
            out.append(message)
    return out


def _rabbitmq_route_key(event: RabbitMQEvent, message: RabbitMQMessage) -> Hashable:
    return message.queue


def rabbitmq_item_id(message: RabbitMQMessage) -> str:
    """``basicProperties.messageId``, else ``"<queue>::<vhost>#<position>"``."""
    message_id = message.basic_properties.message_id
    if message_id:
        return message_id
    return f"{message.queue}::{message.vhost}#{message.position}"


def _rabbitmq_payload(message: RabbitMQMessage) -> bytes:
    return b64_field(message.data, "$.data")


ACTIVEMQ_SPEC: SourceSpec[ActiveMQEvent, ActiveMQMessage] = SourceSpec(
    requires="messages",
    kind="mq",
    detect=detect_activemq,
    event_type=ActiveMQEvent,
    item_type=ActiveMQMessage,
    items=_activemq_items,
    raw_items=_activemq_raw_items,
    raw_where=list_where("messages"),
    item_id=_activemq_item_id,
    route_key=_activemq_route_key,
    payload=_activemq_payload,
    payload_format="json",
    response="all",
    batch_failure=True,
    raw_id=raw_path("messageID"),
    route_filter=lambda queue=None: exact_filter("queue", queue),
)

RABBITMQ_SPEC: SourceSpec[RabbitMQEvent, RabbitMQMessage] = SourceSpec(
    requires="rmqMessagesByQueue",
    kind="mq",
    detect=detect_rabbitmq,
    event_type=RabbitMQEvent,
    item_type=RabbitMQMessage,
    items=_rabbitmq_items,
    raw_items=_rabbitmq_raw_items,
    raw_where=grouped_where("rmqMessagesByQueue"),
    item_id=rabbitmq_item_id,
    route_key=_rabbitmq_route_key,
    payload=_rabbitmq_payload,
    payload_format="json",
    response="all",
    batch_failure=True,
    raw_id=raw_path("messageID"),
    route_filter=lambda queue=None: exact_filter("queue", queue),
)

SPECS: tuple[SourceSpec[Any, Any], ...] = (ACTIVEMQ_SPEC, RABBITMQ_SPEC)

__all__ = [
    "ACTIVEMQ_SOURCES",
    "ACTIVEMQ_SPEC",
    "RABBITMQ_SPEC",
    "SPECS",
    "ActiveMQDestination",
    "ActiveMQEvent",
    "ActiveMQMessage",
    "RabbitMQBasicProperties",
    "RabbitMQEvent",
    "RabbitMQMessage",
    "detect",
    "detect_activemq",
    "detect_rabbitmq",
    "rabbitmq_item_id",
    "split_queue_key",
]
