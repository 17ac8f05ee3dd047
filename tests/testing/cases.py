"""The factory events the tests compare with the corpus: every kind, every variant.

Each :class:`Case` names the corpus variant it must look like (see ``VARIANTS``)
and what LAMBDA.md documents beyond the corpus (``extra`` paths and types AWS
sends that no corpus file shows, ``optional`` paths AWS leaves out in the case
built here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lambent import testing as t
from lambent.testing.events.cloudfront import EdgeEventType

Event = dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    variant: str
    build: Callable[[], Event]
    extra: Mapping[str, set[str]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()


def _first(event: Any) -> Any:
    return event["Records"][0]


#: the variant of a real event of a kind; kinds absent here have one variant
VARIANTS: dict[str, Callable[[Any], str]] = {
    "sqs": lambda e: "fifo" if "MessageGroupId" in _first(e)["attributes"] else "standard",
    "alb": lambda e: "multi" if "multiValueHeaders" in e else "single",
    "apigw-rest": lambda e: "http-1.0" if "version" in e else "rest",
    "kafka": lambda e: "msk" if e["eventSource"] == "aws:kafka" else "self-managed",
    "mq": lambda e: "rabbitmq" if "rmqMessagesByQueue" in e else "activemq",
    "firehose": lambda e: (
        "msk" if "sourceMSKArn" in e else "kinesis" if "sourceKinesisStreamArn" in e else "put"
    ),
    "apigw-authorizer": lambda e: (
        "token" if e["type"] == "TOKEN" else "http" if e.get("version") == "2.0" else "request"
    ),
    "cloudfront": lambda e: "response" if "response" in _first(e)["cf"] else "request",
    "cognito": lambda e: e["triggerSource"].partition("_")[0],
    "appsync": lambda e: (
        "batch" if isinstance(e, list) else "amplify" if "typeName" in e else "resolver"
    ),
    "cloudformation": lambda e: e["RequestType"],
    "s3-batch": lambda e: e["invocationSchemaVersion"],
    "bedrock-agent": lambda e: "function" if "function" in e else "openapi",
}

#: kinds whose variants are mutually exclusive: a factory event may only use keys of
#: its own variant (elsewhere the union over the whole kind is allowed)
EXCLUSIVE = frozenset(
    {"alb", "kafka", "mq", "firehose", "apigw-authorizer", "cloudfront", "cloudformation"}
)

#: hand-trimmed or hybrid corpus fixtures: allowed keys count, required keys do not
FRAGMENTS = {
    "powertools/apiGatewayProxyEventPrincipalId.json": "REST fragment: 4 top-level keys",
    "lambda-go/apigw-websocket-request.json": "hybrid of REST and WebSocket keys",
    "lambda-dotnet-testtool/kinesis-firehose-cloudwatch-logs-processor.json": "records only",
    "lambda-dotnet-testtool/scheduled-event.json": "placeholder event without version",
}

_EDGE_TYPES: tuple[EdgeEventType, ...] = (
    "viewer-request",
    "origin-request",
    "origin-response",
    "viewer-response",
)


def _edge(event_type: EdgeEventType) -> Callable[[], Event]:
    return lambda: t.cloudfront_event(event_type)


_EDGE_EXTRA = {  # LAMBDA.md §5.11: what AWS's docs show and the corpus fixtures predate
    "$.Records[].cf.config.distributionDomainName": {"string"},
    "$.Records[].cf.config.eventType": {"string"},
    "$.Records[].cf.config.requestId": {"string"},
    "$.Records[].cf.request.querystring": {"string"},
    "$.Records[].cf.request.body": {"object"},
    "$.Records[].cf.request.body.inputTruncated": {"bool"},
    "$.Records[].cf.request.body.action": {"string"},
    "$.Records[].cf.request.body.encoding": {"string"},
    "$.Records[].cf.request.body.data": {"string"},
    "$.Records[].cf.request.origin": {"object"},
    "$.Records[].cf.request.origin.custom": {"object"},
    "$.Records[].cf.request.origin.s3": {"object"},
    **{
        f"$.Records[].cf.request.origin.custom.{k}": {t}
        for k, t in [
            ("customHeaders", "object"),
            ("domainName", "string"),
            ("path", "string"),
            ("keepaliveTimeout", "int"),
            ("port", "int"),
            ("protocol", "string"),
            ("readTimeout", "int"),
            ("sslProtocols", "array"),
        ]
    },
    "$.Records[].cf.request.origin.custom.sslProtocols[]": {"string"},
}
_REST_NULLS = {  # LAMBDA.md §5.7: null when the request has none
    "$.queryStringParameters": {"null"},
    "$.multiValueQueryStringParameters": {"null"},
    "$.body": {"null"},
}
_REST_OPTIONAL = frozenset(  # no authorizer configured; no mutual TLS
    {"$.requestContext.authorizer", "$.requestContext.identity.clientCert"}
)

_BODIES = ({"id": 1, "total": 9.5}, "plain text")
_ATTRS: dict[str, Any] = {"kind": "order", "priority": 3, "raw": b"\x00\xff"}

CASES: list[Case] = [
    Case("sqs", "sqs", "standard", lambda: t.sqs_event(*_BODIES, attributes=_ATTRS)),
    Case("sqs-fifo", "sqs", "fifo",
         lambda: t.sqs_event(*_BODIES, queue="orders.fifo", group_id=["a", "b"])),
    Case("sns", "sns", "sns", lambda: t.sns_event({"id": 1}, attributes={"kind": "x", "n": 2}),
         extra={"$.Records[].Sns.Subject": {"null"}}),  # LAMBDA.md §5.2: str | null
    Case("s3", "s3", "s3", lambda: t.s3_event("photos/red flower.jpg", "a+b=c.txt")),
    Case("s3-delete", "s3", "s3", lambda: t.s3_event("old.txt", event_name="ObjectRemoved:Delete")),
    Case("dynamodb", "dynamodb-stream", "dynamodb-stream", lambda: t.dynamodb_event(
        t.Change.insert({"id": "1", "n": 2}),
        t.Change.modify({"id": "1", "n": 2}, {"id": "1", "n": 3}),
        t.Change.remove({"id": "1", "n": 3}, ttl=True),
    )),
    Case("kinesis", "kinesis-stream", "kinesis-stream", lambda: t.kinesis_event(*_BODIES)),
    Case("kafka-msk", "kafka", "msk",
         lambda: t.kafka_event(*_BODIES, key="k1", headers={"trace": "é"})),
    Case("kafka-self-managed", "kafka", "self-managed",
         lambda: t.kafka_event("v", key="k", headers={"h": "v"}, source="self-managed")),
    Case("activemq", "mq", "activemq", lambda: t.mq_event(*_BODIES, properties={"p": "1"})),
    Case("rabbitmq", "mq", "rabbitmq", lambda: t.mq_event(*_BODIES, engine="rabbitmq")),
    Case("firehose", "firehose", "put", lambda: t.firehose_event(*_BODIES)),
    Case("firehose-kinesis", "firehose", "kinesis",
         lambda: t.firehose_event(*_BODIES, source_stream="clicks")),
    Case("apigw-rest", "apigw-rest", "rest", lambda: t.http_request(
        "POST", "/items/42", source="apigw-rest", route="/items/{id}", json={"a": 1},
        query={"q": ["1", "2"]}, cookies={"s": "1"}, stage_variables={"v": "1"},
    ), optional=_REST_OPTIONAL),
    Case("apigw-rest-bare", "apigw-rest", "rest",
         lambda: t.http_request(source="apigw-rest"), extra=_REST_NULLS, optional=_REST_OPTIONAL),
    Case("apigw-http", "apigw-http", "apigw-http", lambda: t.http_request(
        "POST", "/items/42", source="apigw-http", route="/items/{id}", body=b"\x00\x01",
        query={"q": ["1", "2"]}, cookies=["a=1", "b=2"], stage_variables={"v": "1"},
    ), optional=frozenset({"$.requestContext.authentication", "$.requestContext.authorizer"})),
    Case("function-url", "function-url", "function-url", lambda: t.http_request(
        "PUT", "/x", source="function-url", query="a=1&a=2", json=[1], cookies={"c": "1"},
    )),
    Case("alb", "alb", "single", lambda: t.http_request(
        "POST", "/x", source="alb", query={"q": "a b"}, json={"a": 1}, cookies={"c": "1"},
    )),
    Case("alb-multi", "alb", "multi",
         lambda: t.http_request("GET", "/x", source="alb-multi", query={"q": ["1", "2"]})),
    Case("ws-connect", "apigw-websocket", "apigw-websocket",
         lambda: t.websocket_event("connect", query={"token": "t"})),
    Case("ws-message", "apigw-websocket", "apigw-websocket",
         lambda: t.websocket_event("message", json={"action": "send"})),
    Case("ws-disconnect", "apigw-websocket", "apigw-websocket",
         lambda: t.websocket_event("disconnect")),
    Case("authorizer-token", "apigw-authorizer", "token", lambda: t.authorizer_event("token")),
    Case("authorizer-request", "apigw-authorizer", "request", lambda: t.authorizer_event(
        "request", path="/items/1", route="/items/{id}", query={"q": "1"},
        stage_variables={"v": "1"},
    ), optional=frozenset({"$.requestContext.identity.clientCert"}),
       extra={"$.pathParameters.{*}": {"string"}}),  # the corpus only has {}
    Case("authorizer-http", "apigw-authorizer", "http", lambda: t.authorizer_event(
        "http", path="/items/1", route="/items/{id}", query={"q": "1"}, cookies={"c": "1"},
        stage_variables={"v": "1"},
    ), optional=frozenset({"$.requestContext.authentication"})),
    Case("ses", "ses", "ses", lambda: t.ses_event(),
         optional=frozenset({"$.Records[].ses.receipt.dmarcPolicy"})),  # only when DMARC fails
    *[
        Case(f"cloudfront-{et}", "cloudfront", et.split("-")[1], _edge(et), extra=_EDGE_EXTRA)
        for et in _EDGE_TYPES
    ],
    Case("cloudfront-body", "cloudfront", "request",
         lambda: t.cloudfront_event("origin-request", body="x", origin="custom"),
         extra=_EDGE_EXTRA),
    Case("eventbridge", "eventbridge", "eventbridge",
         lambda: t.eventbridge_event({"orderId": "1"}, resources=["arn:aws:s3:::b"])),
    Case("schedule", "schedule", "schedule", lambda: t.schedule_event("nightly")),
    Case("cloudwatch-logs", "cloudwatch-logs", "cloudwatch-logs",
         lambda: t.cloudwatch_logs_event("one", "two")),
    Case("cognito-presignup", "cognito", "PreSignUp", lambda: t.cognito_event(
        request={"userAttributes": {"email": "a@example.com", "phone_number": "+1"},
                 "validationData": {"k1": "v1", "k2": "v2"},
                 "clientMetadata": {"exampleMetadataKey": "v"}})),
    Case("cognito-sender", "cognito", "CustomEmailSender", lambda: t.cognito_event(
        "CustomEmailSender_SignUp",
        request={"userAttributes": {"email_verified": True, "phone_number_verified": False},
                 "type": "customEmailSenderRequestV1", "code": "x"}),
         # the one corpus sample names it "awsSdk"; the docs' events say "awsSdkVersion"
         optional=frozenset({"$.callerContext.awsSdk"})),
    Case("appsync", "appsync", "resolver",
         lambda: t.appsync_event("Query", "getPost", {"id": "1"}, identity={"sub": "s"})),
    Case("cloudformation-create", "cloudformation", "Create",
         lambda: t.cloudformation_event("Create", "Custom::A", {"MyProps": "1"})),
    Case("cloudformation-update", "cloudformation", "Update",
         lambda: t.cloudformation_event(
             "Update", "Custom::A", {"MyProps": "2"}, old_properties={"MyProps": "1"})),
    Case("cloudformation-delete", "cloudformation", "Delete",
         lambda: t.cloudformation_event("Delete", "Custom::A", {"MyProps": "1"})),
    Case("s3-batch-1.0", "s3-batch", "1.0", lambda: t.s3_batch_event("a b.txt", version_id="1")),
    Case("s3-batch-2.0", "s3-batch", "2.0", lambda: t.s3_batch_event(
        "k", schema="2.0", user_arguments={"k1": "v1", "k2": "v2"}, version_id="1")),
    Case("bedrock-agent", "bedrock-agent", "openapi", lambda: t.bedrock_agent_event(
        "/send-reminders", "POST", parameters={"id": "1"}, body={"claimId": "20"})),
]  # fmt: skip
