"""Every corpus event is detected as its labelled kind (DESIGN.md vocabulary), else ``direct``."""

from __future__ import annotations

import msgspec
import pytest

from lambent import detect, sources
from lambent.testing import FACTORIES
from tests import corpus

#: manifest labels that name a variant of a vocabulary kind
ALIASES = {"s3-eventbridge": "eventbridge"}


def expected_kind(row: corpus.Row) -> str:
    if row.kind in ALIASES:
        return ALIASES[row.kind]
    if row.kind == "tumbling-window":
        return "kinesis-stream" if "kinesis" in row.path else "dynamodb-stream"
    return row.kind if row.kind in sources.KINDS else "direct"


@pytest.mark.parametrize("row", corpus.params())
def test_corpus_event_is_detected_as_its_labelled_kind(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    assert row is not None
    assert detect(event) == expected_kind(row), row.notes


@pytest.mark.parametrize("row", corpus.params())
def test_exactly_one_source_claims_a_vocabulary_event(row: corpus.Row | None) -> None:
    """Detectors are ordered, but for records in the vocabulary the first claim is the only
    sensible one: no detector *before* the right one claims it."""
    event = corpus.load(row)
    assert row is not None
    want = expected_kind(row)
    if isinstance(event, list):  # claimed by an array source, judged by its first element
        claims = [s.kind for s in sources.specs() if s.array and event and s.detect(event[0])]
        assert claims[:1] == ([] if want == "direct" else [want])
        return
    if not isinstance(event, dict):
        assert want == "direct"
        return
    claims = [spec.kind for spec in sources.specs() if not spec.array and spec.detect(event)]
    if want == "direct":
        assert claims == []
    else:
        assert claims[0] == want


@pytest.mark.parametrize(
    "row",
    corpus.params(
        *[k for k in sources.KINDS if k != "direct"], "s3-eventbridge", "tumbling-window"
    ),
)
def test_corpus_event_decodes_into_its_model(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    assert row is not None
    spec = sources.spec_for(event)
    assert spec is not None and spec.kind == expected_kind(row), row.path
    decoded = msgspec.convert(event, spec.event_type)
    items = list(spec.items(decoded))
    assert items, f"{row.path}: a real {spec.kind} event gave no record to handle"
    for item in items:
        assert isinstance(spec.item_id(item), str)
        spec.route_key(decoded, item)


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_factory_events_need_no_corpus(kind: str) -> None:
    assert detect(FACTORIES[kind]()) == kind


@pytest.mark.parametrize(
    "value", [[], [1, 2], "text", 3, None, {}, {"Records": []}, {"action": "x"}]
)
def test_anything_else_is_direct(value: object) -> None:
    assert detect(value) == "direct"


@pytest.mark.parametrize(
    "event",
    [
        # VPC Lattice v2 says version 2.0 but has no rawPath / requestContext.http
        {"version": "2.0", "path": "/x", "method": "GET", "requestContext": {"region": "r"}},
        # half a Bedrock agent event: httpMethod + apiPath, no resource
        {"httpMethod": "GET", "apiPath": "/claims", "messageVersion": "1.0"},
        # CloudWatch alarm action: source but no detail-type
        {"source": "aws.cloudwatch", "alarmArn": "arn", "alarmData": {}},
        # Lambda destination record delivered to a function
        {"version": "1.0", "requestContext": {"condition": "Success"}, "responsePayload": 1},
        # EventBridge-looking, wrong version
        {"version": "1", "source": "x", "detail-type": "y", "detail": {}},
        {"Records": [{"cf": "not an object"}]},
        {"requestContext": {"elb": "nope"}},
        {"requestContext": []},
    ],
)
def test_near_misses_are_direct(event: dict[str, object]) -> None:
    assert detect(event) == "direct"


@pytest.mark.parametrize(
    ("kind", "event"),
    [
        # an HTTP API authorizer request carries rawPath and requestContext.http too
        (
            "apigw-authorizer",
            {
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": "arn:aws:execute-api:r:1:a/s/GET/x",
                "rawPath": "/x",
                "requestContext": {
                    "http": {"method": "GET"},
                    "domainName": "a.lambda-url.r.on.aws",
                },
            },
        ),
        # a WebSocket message with REST's keys
        (
            "apigw-websocket",
            {
                "resource": "/",
                "path": "/",
                "httpMethod": "POST",
                "requestContext": {"apiId": "a", "connectionId": "c", "eventType": "MESSAGE"},
            },
        ),
        # a Lambda destination record delivered through EventBridge
        (
            "eventbridge",
            {
                "version": "0",
                "id": "i",
                "source": "lambda",
                "detail-type": "Lambda Function Invocation Result - Success",
                "detail": {"requestPayload": {}},
            },
        ),
    ],
)
def test_look_alikes_go_to_their_own_source(kind: str, event: dict[str, object]) -> None:
    assert detect(event) == kind
