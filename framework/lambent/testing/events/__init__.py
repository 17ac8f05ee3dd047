"""Event factories: one function per source kind, returning the dict Lambda would pass.

Every factory takes keyword-only options with sensible defaults, plus ``seed=``
(reproducible ids) and ``at=`` (the event time, epoch seconds or a datetime).
:func:`sample_event` gives a default event of any kind of the vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambent.sources import KINDS
from lambent.testing.events.apigw import authorizer_event as authorizer_event
from lambent.testing.events.apigw import websocket_event as websocket_event
from lambent.testing.events.cloudfront import cloudfront_event as cloudfront_event
from lambent.testing.events.direct import direct_event as direct_event
from lambent.testing.events.dynamodb import Change as Change
from lambent.testing.events.dynamodb import attribute_value as attribute_value
from lambent.testing.events.dynamodb import dynamodb_event as dynamodb_event
from lambent.testing.events.http import http_request as http_request
from lambent.testing.events.messaging import mq_event as mq_event
from lambent.testing.events.messaging import sns_event as sns_event
from lambent.testing.events.messaging import sqs_event as sqs_event
from lambent.testing.events.notifications import cloudwatch_logs_event as cloudwatch_logs_event
from lambent.testing.events.notifications import decode_logs as decode_logs
from lambent.testing.events.notifications import eventbridge_event as eventbridge_event
from lambent.testing.events.notifications import s3_event as s3_event
from lambent.testing.events.notifications import schedule_event as schedule_event
from lambent.testing.events.notifications import ses_event as ses_event
from lambent.testing.events.streams import firehose_event as firehose_event
from lambent.testing.events.streams import kafka_event as kafka_event
from lambent.testing.events.streams import kinesis_event as kinesis_event
from lambent.testing.events.streams import tumbling_window as tumbling_window

_FACTORY_OF: dict[str, Callable[..., dict[str, Any]]] = {
    "sqs": sqs_event,
    "sns": sns_event,
    "s3": s3_event,
    "dynamodb-stream": dynamodb_event,
    "kinesis-stream": kinesis_event,
    "kafka": kafka_event,
    "mq": mq_event,
    "firehose": firehose_event,
    "apigw-rest": lambda **kw: http_request(source="apigw-rest", **kw),
    "apigw-http": lambda **kw: http_request(source="apigw-http", **kw),
    "function-url": lambda **kw: http_request(source="function-url", **kw),
    "alb": lambda **kw: http_request(source="alb", **kw),
    "apigw-websocket": websocket_event,
    "apigw-authorizer": authorizer_event,
    "ses": ses_event,
    "cloudfront": cloudfront_event,
    "eventbridge": eventbridge_event,
    "schedule": schedule_event,
    "cloudwatch-logs": cloudwatch_logs_event,
    "direct": direct_event,
}

#: the factory behind each built-in kind, in the registry's order (called with no
#: arguments by :func:`sample_event`); a kind of the registry without one is a bug here
FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {kind: _FACTORY_OF[kind] for kind in KINDS}


def sample_event(kind: str, **options: Any) -> dict[str, Any]:
    """An event of ``kind`` (a word of the source vocabulary) from its factory."""
    try:
        factory = FACTORIES[kind]
    except KeyError:
        known = ", ".join(FACTORIES)
        raise ValueError(f"no event factory for {kind!r}; known kinds: {known}") from None
    return factory(**options)


__all__ = [
    "FACTORIES",
    "Change",
    "attribute_value",
    "authorizer_event",
    "cloudfront_event",
    "cloudwatch_logs_event",
    "decode_logs",
    "direct_event",
    "dynamodb_event",
    "eventbridge_event",
    "firehose_event",
    "http_request",
    "kafka_event",
    "kinesis_event",
    "mq_event",
    "s3_event",
    "sample_event",
    "schedule_event",
    "ses_event",
    "sns_event",
    "sqs_event",
    "websocket_event",
]
