"""The sample events ``lambent events generate`` prints: for each kind, the options it
takes and how they become arguments of its factory in :mod:`lambent.testing`.

The kinds offered are the source registry's (:func:`generated_kinds`); a kind without a
builder here is not offered, and ``tests/cli/test_samples.py`` checks that every factory
of ``lambent.testing.FACTORIES`` has one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from itertools import cycle, islice
from typing import Any, Literal, TypeVar, get_args

import msgspec

from lambent import testing as t
from lambent.testing.events.apigw import AuthorizerKind, WebSocketEvent
from lambent.testing.events.cloudfront import EdgeEventType
from lambent.testing.events.http import HttpSource
from lambent.testing.events.messaging import MqEngine
from lambent.testing.events.streams import KafkaSource

T = TypeVar("T", bound=str)

_KAFKA: tuple[KafkaSource, ...] = get_args(KafkaSource)
_MQ: tuple[MqEngine, ...] = get_args(MqEngine)
_WEBSOCKET: tuple[WebSocketEvent, ...] = ("message", "connect", "disconnect")
_AUTHORIZER: tuple[AuthorizerKind, ...] = get_args(AuthorizerKind)
_EDGE: tuple[EdgeEventType, ...] = get_args(EdgeEventType)
_CFN: tuple[Literal["Create", "Update", "Delete"], ...] = ("Create", "Update", "Delete")
_S3_BATCH: tuple[Literal["1.0", "2.0"], ...] = ("1.0", "2.0")


#: the options each kind takes, besides --region, --account, --seed and --indent
_RECORDS = ("body", "count")
_HTTP_OPTIONS = ("body", "method", "path")
OPTIONS: dict[str, tuple[str, ...]] = {
    "sqs": (*_RECORDS, "queue", "fifo"),
    "sns": (*_RECORDS, "topic"),
    "s3": ("count", "key", "bucket", "event_name"),
    "dynamodb-stream": (*_RECORDS, "key", "table", "event_name"),
    "kinesis-stream": (*_RECORDS, "stream"),
    "kafka": (*_RECORDS, "topic", "key", "variant"),
    "mq": (*_RECORDS, "queue", "variant"),
    "firehose": (*_RECORDS, "stream", "variant"),
    "apigw-rest": _HTTP_OPTIONS,
    "apigw-http": _HTTP_OPTIONS,
    "function-url": _HTTP_OPTIONS,
    "alb": (*_HTTP_OPTIONS, "variant"),
    "apigw-websocket": ("body", "event_name"),
    "apigw-authorizer": ("method", "path", "event_name"),
    "ses": (),
    "cloudfront": (*_HTTP_OPTIONS, "event_name"),
    "eventbridge": ("body", "source", "detail_type"),
    "schedule": ("rule",),
    "cloudwatch-logs": (*_RECORDS, "group"),
    "cognito": ("body", "event_name"),
    "appsync": (*_RECORDS, "field"),
    "cloudformation": ("body", "event_name", "resource_type"),
    "s3-batch": ("count", "key", "bucket", "variant"),
    "bedrock-agent": (*_HTTP_OPTIONS, "function"),
    "direct": ("body",),
}
DEFAULTS: dict[str, Any] = {"body": [], "key": [], "method": "GET", "path": "/", "fifo": False}


def _bodies(
    args: argparse.Namespace, default: list[str], given: list[str] | None = None
) -> list[str]:
    values = list(args.body if given is None else given) or default
    count = args.count if args.count is not None else len(values)
    if count < 1:
        raise ValueError("--count must be at least 1")
    return list(islice(cycle(values), count))


def _pick(value: str | None, choices: tuple[T, ...], option: str) -> T:
    """``value`` if it is one of ``choices`` (the first choice when not given)."""
    if value is None:
        return choices[0]
    for choice in choices:
        if choice == value:
            return choice
    raise ValueError(f"{option} must be one of {', '.join(choices)}, not {value!r}")


def _one(values: list[str]) -> str | None:
    return values[0] if values else None


def generated_kinds() -> list[str]:
    """The kinds ``generate`` offers: every kind of the source registry, in its order."""
    from lambent.sources import KINDS

    return [kind for kind in KINDS if kind in _BUILDERS]


def generate(args: argparse.Namespace) -> Any:
    """The event ``lambent events generate`` prints for ``args``."""
    return _BUILDERS[args.kind](args)


def _aws(args: argparse.Namespace) -> dict[str, Any]:
    return {"seed": args.seed, "region": args.region, "account": args.account}


def _sqs(a: argparse.Namespace) -> dict[str, Any]:
    return t.sqs_event(
        *_bodies(a, [_HELLO]), queue=a.queue or "orders", fifo=a.fifo or None, **_aws(a)
    )


def _sns(a: argparse.Namespace) -> dict[str, Any]:
    return t.sns_event(*_bodies(a, [_HELLO]), topic=a.topic or "notifications", **_aws(a))


def _s3(a: argparse.Namespace) -> dict[str, Any]:
    keys = _bodies(a, ["example.txt"], given=a.key)
    return t.s3_event(
        *keys,
        bucket=a.bucket or "uploads",
        event_name=a.event_name or "ObjectCreated:Put",
        region=a.region,
        seed=a.seed,
    )


def _dynamodb(a: argparse.Namespace) -> dict[str, Any]:
    key = _one(a.key) or "id"
    items = [msgspec.json.decode(b) for b in _bodies(a, [f'{{"{key}": "1", "message": "hello"}}'])]
    name = _pick((a.event_name or "INSERT").upper(), ("INSERT", "MODIFY", "REMOVE"), "--event-name")
    if name == "INSERT":
        changes = [t.Change.insert(item, key=key) for item in items]
    elif name == "MODIFY":
        changes = [t.Change.modify(item, item, key=key) for item in items]
    else:
        changes = [t.Change.remove(item, key=key) for item in items]
    return t.dynamodb_event(*changes, table=a.table or "orders", **_aws(a))


def _kinesis(a: argparse.Namespace) -> dict[str, Any]:
    return t.kinesis_event(*_bodies(a, [_HELLO]), stream=a.stream or "events", **_aws(a))


def _kafka(a: argparse.Namespace) -> dict[str, Any]:
    source = _pick(a.variant, _KAFKA, "--variant")
    return t.kafka_event(
        *_bodies(a, [_HELLO]),
        topic=a.topic or "orders",
        key=_one(a.key),
        source=source,
        **_aws(a),
    )


def _mq(a: argparse.Namespace) -> dict[str, Any]:
    engine = _pick(a.variant, _MQ, "--variant")
    return t.mq_event(*_bodies(a, [_HELLO]), queue=a.queue or "orders", engine=engine, **_aws(a))


def _firehose(a: argparse.Namespace) -> dict[str, Any]:
    source = a.variant if a.variant not in (None, "put") else None
    return t.firehose_event(
        *_bodies(a, [_HELLO]),
        stream=a.stream or "delivery-stream",
        source_stream=source,
        **_aws(a),
    )


def _http(source: HttpSource) -> Callable[[argparse.Namespace], dict[str, Any]]:
    """The builder of one HTTP source's requests."""

    def build(a: argparse.Namespace) -> dict[str, Any]:
        return t.http_request(a.method, a.path, source=source, body=_one(a.body), **_aws(a))

    return build


def _alb(a: argparse.Namespace) -> dict[str, Any]:
    multi = _pick(a.variant, ("single", "multi"), "--variant") == "multi"
    return _http("alb-multi" if multi else "alb")(a)


def _websocket(a: argparse.Namespace) -> dict[str, Any]:
    event = _pick(a.event_name, _WEBSOCKET, "--event-name")
    return t.websocket_event(event, _one(a.body), region=a.region, seed=a.seed)


def _authorizer(a: argparse.Namespace) -> dict[str, Any]:
    kind = _pick(a.event_name, _AUTHORIZER, "--event-name")
    return t.authorizer_event(kind, method=a.method, path=a.path, **_aws(a))


def _ses(a: argparse.Namespace) -> dict[str, Any]:
    return t.ses_event(**_aws(a))


def _cloudfront(a: argparse.Namespace) -> dict[str, Any]:
    event_type = _pick(a.event_name, _EDGE, "--event-name")
    return t.cloudfront_event(
        event_type, uri=a.path, method=a.method, body=_one(a.body), seed=a.seed
    )


def _eventbridge(a: argparse.Namespace) -> dict[str, Any]:
    body = _one(a.body)
    return t.eventbridge_event(
        msgspec.json.decode(body) if body else {},
        source=a.source or "com.example.orders",
        detail_type=a.detail_type or "Order Placed",
        **_aws(a),
    )


def _schedule(a: argparse.Namespace) -> dict[str, Any]:
    return t.schedule_event(a.rule or "every-five-minutes", **_aws(a))


def _logs(a: argparse.Namespace) -> dict[str, Any]:
    return t.cloudwatch_logs_event(
        *_bodies(a, ["hello"]),
        group=a.group or "/aws/lambda/my-function",
        account=a.account,
        seed=a.seed,
    )


def _json_bodies(a: argparse.Namespace) -> list[Any]:
    return [msgspec.json.decode(b) for b in a.body]


def _cognito(a: argparse.Namespace) -> dict[str, Any]:
    request = _json_bodies(a)
    return t.cognito_event(
        a.event_name or "PreSignUp_SignUp",
        request=request[0] if request else None,
        region=a.region,
        seed=a.seed,
    )


def _appsync(a: argparse.Namespace) -> dict[str, Any] | list[dict[str, Any]]:
    type_name, _, field_name = (a.field or "Query.getPost").partition(".")
    if not field_name:
        raise ValueError(f"--field must be Type.field, not {a.field!r}")
    arguments = _json_bodies(a) or [{}]
    if a.count is None and len(arguments) == 1:
        return t.appsync_event(type_name, field_name, arguments[0])
    batch = [msgspec.json.decode(b) for b in _bodies(a, ["{}"])]
    return t.appsync_batch_event(*batch, type_name=type_name, field_name=field_name)


def _cloudformation(a: argparse.Namespace) -> dict[str, Any]:
    request_type = _pick(a.event_name, _CFN, "--event-name")
    properties = _json_bodies(a)
    return t.cloudformation_event(
        request_type,
        a.resource_type or "Custom::Resource",
        properties[0] if properties else None,
        **_aws(a),
    )


def _s3_batch(a: argparse.Namespace) -> dict[str, Any]:
    schema = _pick(a.variant, _S3_BATCH, "--variant")
    keys = _bodies(a, ["example.txt"], given=a.key)
    return t.s3_batch_event(*keys, bucket=a.bucket or "uploads", schema=schema, seed=a.seed)


def _bedrock_agent(a: argparse.Namespace) -> dict[str, Any]:
    parameters = _json_bodies(a)
    if a.function:
        return t.bedrock_agent_event(
            function=a.function, parameters=parameters[0] if parameters else None, seed=a.seed
        )
    return t.bedrock_agent_event(
        a.path if a.path != "/" else "/items/{id}",
        a.method,
        body=parameters[0] if parameters else None,
        seed=a.seed,
    )


def _direct(a: argparse.Namespace) -> dict[str, Any]:
    if len(a.body) > 1:
        raise ValueError("a direct invocation has one payload: give --body once")
    payload = msgspec.json.decode(a.body[0]) if a.body else {}
    if not isinstance(payload, dict):
        raise ValueError("--body must be a JSON object")
    return t.direct_event(payload)


_HELLO = '{"message": "hello"}'

_BUILDERS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "sqs": _sqs, "sns": _sns, "s3": _s3, "dynamodb-stream": _dynamodb,
    "kinesis-stream": _kinesis, "kafka": _kafka, "mq": _mq, "firehose": _firehose,
    "apigw-rest": _http("apigw-rest"), "apigw-http": _http("apigw-http"),
    "function-url": _http("function-url"), "alb": _alb,
    "apigw-websocket": _websocket, "apigw-authorizer": _authorizer, "ses": _ses,
    "cloudfront": _cloudfront, "eventbridge": _eventbridge, "schedule": _schedule,
    "cloudwatch-logs": _logs, "cognito": _cognito, "appsync": _appsync,
    "cloudformation": _cloudformation, "s3-batch": _s3_batch, "bedrock-agent": _bedrock_agent,
    "direct": _direct,
}  # fmt: skip
