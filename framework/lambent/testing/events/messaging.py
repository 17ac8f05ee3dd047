"""Factories for message queues and topics: SQS (standard and FIFO), SNS, Amazon MQ."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    arn,
    arn_parts,
    b64,
    epoch_ms,
    increasing,
    iso_ms,
    per_item,
    text,
    timestamp,
)

#: a message attribute value: str → String, int/float/Decimal → Number, bytes → Binary,
#: list of str → SNS String.Array
AttributeValue = str | int | float | Decimal | bytes | Sequence[str]

MqEngine = Literal["activemq", "rabbitmq"]

DEFAULT_BODY = '{"message": "hello"}'


def sqs_event(
    *bodies: Any,
    queue: str = "orders",
    fifo: bool | None = None,
    group_id: str | Sequence[str] | None = None,
    deduplication_id: str | Sequence[str] | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    receive_count: int = 1,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An SQS batch with one record per body (str as is; other values as JSON text).

    ``queue`` is a name or an ARN. FIFO is chosen by ``fifo=True`` or a name ending
    ``.fifo``; FIFO records carry ``MessageGroupId`` (``group_id``: one for all or
    one per body; default ``"default"``), ``MessageDeduplicationId`` (default: the
    SHA-256 of the body, as content-based deduplication does) and increasing
    ``SequenceNumber`` values. ``attributes`` become every record's message attributes.
    """
    ids = Ids(seed)
    if queue.startswith("arn:"):
        region, account, name = arn_parts(queue, "sqs", "NAME")
    else:
        name = queue
    is_fifo = name.endswith(".fifo") if fifo is None else fifo
    if is_fifo and not name.endswith(".fifo"):
        name += ".fifo"
    queue_arn = arn("sqs", region, account, name)
    sent = epoch_ms(at)
    payloads = [text(b) for b in bodies] or [DEFAULT_BODY]
    sequence_numbers = increasing(ids, 20, len(payloads), step=int(ids.digits(5)))
    sender = "AIDA" + ids.upper(17)
    message_attributes = {k: _sqs_attribute(v) for k, v in (attributes or {}).items()}
    records: list[dict[str, Any]] = []
    for i, body in enumerate(payloads):
        attrs: dict[str, str] = {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent + i),
            "SenderId": sender,
            "ApproximateFirstReceiveTimestamp": str(sent + i + 3),
        }
        if is_fifo:
            attrs["SequenceNumber"] = sequence_numbers[i]
            attrs["MessageGroupId"] = per_item(group_id, i, "default")
            attrs["MessageDeduplicationId"] = per_item(
                deduplication_id, i, hashlib.sha256(body.encode()).hexdigest()
            )
        record: dict[str, Any] = {
            "messageId": ids.uuid(),
            "receiptHandle": "AQEB" + ids.token(96),
            "body": body,
            "attributes": attrs,
            "messageAttributes": message_attributes,
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        }
        if message_attributes:
            record["md5OfMessageAttributes"] = _md5_of_attributes(message_attributes)
        record |= {"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region}
        records.append(record)
    return {"Records": records}


def _sqs_attribute(value: AttributeValue) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(value, bytes):
        out = {"binaryValue": b64(value)}
        data_type = "Binary"
    elif isinstance(value, str):
        out = {"stringValue": value}
        data_type = "String"
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        out = {"stringValue": str(value)}
        data_type = "Number"
    else:
        raise TypeError(f"SQS message attributes are str, numbers or bytes, not {value!r}")
    return out | {"stringListValues": [], "binaryListValues": [], "dataType": data_type}


def _md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """``md5OfMessageAttributes`` computed the way SQS does."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    digest = hashlib.md5()
    for name in sorted(attributes):
        attribute = attributes[name]
        digest.update(field(name.encode()) + field(attribute["dataType"].encode()))
        if "binaryValue" in attribute:
            digest.update(b"\x02" + field(base64.b64decode(attribute["binaryValue"])))
        else:
            digest.update(b"\x01" + field(attribute["stringValue"].encode()))
    return digest.hexdigest()


def sns_event(
    *messages: Any,
    topic: str = "notifications",
    subject: str | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An SNS delivery, one record per message (in practice SNS sends one)."""
    ids = Ids(seed)
    if topic.startswith("arn:"):
        region = arn_parts(topic, "sns", "NAME")[0]
    topic_arn = topic if topic.startswith("arn:") else arn("sns", region, account, topic)
    endpoint = f"https://sns.{region}.amazonaws.com"
    moment = timestamp(at)
    message_attributes = {k: _sns_attribute(v) for k, v in (attributes or {}).items()}
    records = []
    for i, message in enumerate([text(m) for m in messages] or [DEFAULT_BODY]):
        subscription = f"{topic_arn}:{ids.uuid()}"
        sns: dict[str, Any] = {
            "Type": "Notification",
            "MessageId": ids.uuid(),
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_ms(moment + i / 1000),
            "SignatureVersion": "1",
            "Signature": ids.token(256),
            "SigningCertUrl": f"{endpoint}/SimpleNotificationService-{ids.hex(32)}.pem",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription}",
            "MessageAttributes": message_attributes,
        }
        records.append(
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "EventSource": "aws:sns",
                "Sns": sns,
            }
        )
    return {"Records": records}


def _sns_attribute(value: AttributeValue) -> dict[str, str]:
    if isinstance(value, bool):
        raise TypeError(f"SNS message attributes are str, numbers, bytes or lists, not {value!r}")
    if isinstance(value, bytes):
        return {"Type": "Binary", "Value": b64(value)}
    if isinstance(value, str):
        return {"Type": "String", "Value": value}
    if isinstance(value, int | float | Decimal):
        return {"Type": "Number", "Value": str(value)}
    return {"Type": "String.Array", "Value": text(list(value))}


def mq_event(
    *messages: Any,
    queue: str = "orders",
    broker: str = "my-broker",
    engine: MqEngine = "activemq",
    virtual_host: str = "/",
    properties: Mapping[str, str] | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An Amazon MQ batch (``data`` base64): ActiveMQ ``messages`` or RabbitMQ
    ``rmqMessagesByQueue`` keyed ``"<queue>::<virtual host>"``.

    ``properties`` are the ActiveMQ message properties or the RabbitMQ headers.
    """
    ids = Ids(seed)
    broker_id = f"b-{ids.uuid()}"
    broker_arn = arn("mq", region, account, f"broker:{broker}:{broker_id}")
    sent = epoch_ms(at)
    bodies = list(messages) or [DEFAULT_BODY]
    if engine == "rabbitmq":
        return {
            "eventSource": "aws:rmq",
            "eventSourceArn": broker_arn,
            "rmqMessagesByQueue": {
                f"{queue}::{virtual_host}": [
                    _rabbit(body, properties or {}, sent + i, ids) for i, body in enumerate(bodies)
                ]
            },
        }
    host = f"{broker_id}-1.mq.{region}.amazonaws.com-{ids.digits(5)}-{sent}-4"
    return {
        "eventSource": "aws:mq",
        "eventSourceArn": broker_arn,
        "messages": [
            {
                "messageID": f"ID:{host}:1:1:1:{i + 1}",
                "messageType": "jms/bytes-message"
                if isinstance(body, bytes)
                else "jms/text-message",
                "timestamp": sent + i,
                "deliveryMode": 1,
                "correlationID": "",
                "destination": {"physicalName": queue},
                "redelivered": False,
                "type": "",
                "expiration": 0,
                "priority": 4,
                "data": b64(body),
                "brokerInTime": sent + i,
                "brokerOutTime": sent + i + 1,
                "properties": dict(properties or {}),
            }
            for i, body in enumerate(bodies)
        ],
    }


def _rabbit(body: Any, headers: Mapping[str, str], sent_ms: int, ids: Ids) -> dict[str, Any]:
    data = b64(body)
    moment = datetime.fromtimestamp(sent_ms / 1000, UTC)
    return {
        "basicProperties": {
            "contentType": "application/octet-stream" if isinstance(body, bytes) else "text/plain",
            "contentEncoding": None,
            "headers": {k: {"bytes": list(v.encode())} for k, v in headers.items()},
            "deliveryMode": 1,
            "priority": 34,
            "correlationId": None,
            "replyTo": None,
            "expiration": "60000",
            "messageId": None,
            # RabbitMQ's timestamp is a locale-formatted string, e.g. "Jan 1, 2024, 1:02:03 PM"
            "timestamp": f"{moment:%b} {moment.day}, {moment:%Y}, "
            f"{moment.hour % 12 or 12}:{moment:%M:%S %p}",
            "type": None,
            "userId": "AIDA" + ids.upper(17),
            "appId": None,
            "clusterId": None,
            "bodySize": len(body if isinstance(body, bytes) else text(body).encode()),
        },
        "redelivered": False,
        "data": data,
    }
