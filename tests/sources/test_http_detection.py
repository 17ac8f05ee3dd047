"""Detection of the request-shaped and EventBridge sources over the whole corpus.

For every corpus event, the detectors of these modules run in their ``SOURCES`` position;
the first that says yes must name the labelled kind, and none may claim an event of
another kind (Lattice, Bedrock agents, Cognito, AppSync, alarms, destination records, ...).
Events of the record sources are skipped: their detectors run earlier and claim them.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambent.sources import SOURCES, module
from tests import corpus

_ORDER = tuple(entry.module for entry in SOURCES)

MINE = (
    "cloudfront",
    "alb",
    "apigw_authorizer",
    "function_url",
    "apigw_http",
    "apigw_websocket",
    "apigw_rest",
    "schedule",
    "eventbridge",
)
MY_KINDS = {
    "cloudfront",
    "alb",
    "apigw-authorizer",
    "function-url",
    "apigw-http",
    "apigw-websocket",
    "apigw-rest",
    "schedule",
    "eventbridge",
}
#: kinds claimed by the record sources' detectors, which run before most of ours
RECORD_KINDS = {
    "sqs",
    "sns",
    "s3",
    "dynamodb-stream",
    "kinesis-stream",
    "kafka",
    "mq",
    "firehose",
    "ses",
    "cloudwatch-logs",
    "tumbling-window",
}
ALIASES = {"s3-eventbridge": "eventbridge"}


def first_of_mine(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    for name in _ORDER:
        if name in MINE:
            for spec in module(name).SPECS:
                if spec.detect(event):
                    return str(spec.kind)
    return None


def test_all_my_modules_are_registered() -> None:
    assert set(MINE) <= set(_ORDER)
    assert {spec.kind for name in MINE for spec in module(name).SPECS} == MY_KINDS


def _rows() -> list[Any]:
    rows = [r for r in corpus.rows() if r.kind not in RECORD_KINDS]
    return [pytest.param(r, id=r.path) for r in rows] or corpus.params()


@pytest.mark.parametrize("row", _rows())
def test_detection_matches_the_label(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    assert row is not None
    label = ALIASES.get(row.kind, row.kind)
    expected = label if label in MY_KINDS else None
    assert first_of_mine(event) == expected, row.notes


@pytest.mark.parametrize(
    "event",
    [
        # VPC Lattice v2 says version 2.0 but has no rawPath / requestContext.http
        {"version": "2.0", "path": "/x", "method": "GET", "requestContext": {"region": "r"}},
        # Bedrock agent: httpMethod + apiPath, no resource
        {"httpMethod": "GET", "apiPath": "/claims", "messageVersion": "1.0"},
        # CloudWatch alarm action: source but no detail-type
        {"source": "aws.cloudwatch", "alarmArn": "arn", "alarmData": {}},
        # Lambda destination record delivered to a function
        {"version": "1.0", "requestContext": {"condition": "Success"}, "responsePayload": 1},
        # EventBridge-looking, wrong version
        {"version": "1", "source": "x", "detail-type": "y", "detail": {}},
        {"Records": []},
        {"Records": [{"cf": "not an object"}]},
        {"requestContext": {"elb": "nope"}},
        {"requestContext": []},
        {},
    ],
)
def test_traps_are_not_mine(event: dict[str, Any]) -> None:
    assert first_of_mine(event) is None


def test_http_api_authorizer_is_not_a_request() -> None:
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:r:1:a/s/GET/x",
        "rawPath": "/x",
        "requestContext": {"http": {"method": "GET"}, "domainName": "a.lambda-url.r.on.aws"},
    }
    assert first_of_mine(event) == "apigw-authorizer"


def test_websocket_with_rest_keys_is_websocket() -> None:
    event = {
        "resource": "/",
        "path": "/",
        "httpMethod": "POST",
        "requestContext": {"apiId": "a", "connectionId": "c", "eventType": "MESSAGE"},
    }
    assert first_of_mine(event) == "apigw-websocket"


def test_lambda_destination_on_eventbridge_is_eventbridge() -> None:
    event = {
        "version": "0",
        "id": "i",
        "source": "lambda",
        "detail-type": "Lambda Function Invocation Result - Success",
        "detail": {"requestPayload": {}},
    }
    assert first_of_mine(event) == "eventbridge"
