"""Testing kit: event factories for every source and a Lambda context with a deadline
you control.

>>> from lambent.testing import FakeContext, sqs_event
>>> event = sqs_event({"id": 1}, {"id": 2}, queue="orders")
>>> [r["body"] for r in event["Records"]]
['{"id":1}', '{"id":2}']
>>> FakeContext(timeout=3).get_remaining_time_in_millis() <= 3000
True
"""

from __future__ import annotations

from lambent.testing import events as _events
from lambent.testing._context import Client as Client
from lambent.testing._context import ClientContext as ClientContext
from lambent.testing._context import CognitoIdentity as CognitoIdentity
from lambent.testing._context import FakeContext as FakeContext
from lambent.testing._redeliver import deliver as deliver
from lambent.testing._redeliver import redeliver as redeliver
from lambent.testing.events import FACTORIES as FACTORIES
from lambent.testing.events import Change as Change
from lambent.testing.events import appsync_batch_event as appsync_batch_event
from lambent.testing.events import appsync_event as appsync_event
from lambent.testing.events import attribute_value as attribute_value
from lambent.testing.events import authorizer_event as authorizer_event
from lambent.testing.events import bedrock_agent_event as bedrock_agent_event
from lambent.testing.events import cloudformation_event as cloudformation_event
from lambent.testing.events import cloudfront_event as cloudfront_event
from lambent.testing.events import cloudwatch_logs_event as cloudwatch_logs_event
from lambent.testing.events import cognito_event as cognito_event
from lambent.testing.events import decode_logs as decode_logs
from lambent.testing.events import direct_event as direct_event
from lambent.testing.events import dynamodb_event as dynamodb_event
from lambent.testing.events import eventbridge_event as eventbridge_event
from lambent.testing.events import firehose_event as firehose_event
from lambent.testing.events import http_request as http_request
from lambent.testing.events import kafka_event as kafka_event
from lambent.testing.events import kinesis_event as kinesis_event
from lambent.testing.events import mq_event as mq_event
from lambent.testing.events import s3_batch_event as s3_batch_event
from lambent.testing.events import s3_event as s3_event
from lambent.testing.events import sample_event as sample_event
from lambent.testing.events import schedule_event as schedule_event
from lambent.testing.events import ses_event as ses_event
from lambent.testing.events import sns_event as sns_event
from lambent.testing.events import sqs_event as sqs_event
from lambent.testing.events import tumbling_window as tumbling_window
from lambent.testing.events import websocket_event as websocket_event

#: the event factories' names (:mod:`lambent.testing.events`), then the kit's own
__all__ = [
    *_events.__all__,
    "Client",
    "ClientContext",
    "CognitoIdentity",
    "FakeContext",
    "deliver",
    "redeliver",
    "tumbling_window",
]

from lambent.testing._client import TestClient as TestClient
from lambent.testing._client import TestResponse as TestResponse

__all__ += ["TestClient", "TestResponse"]
