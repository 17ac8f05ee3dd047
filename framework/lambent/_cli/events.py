"""``lambent events``: detect the source of event files, generate sample events.

``lambent events detect FILE...`` prints ``<kind>\\t<file>`` per file.
``lambent events generate KIND [options]`` prints an event of that kind as JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from itertools import cycle, islice
from typing import Any, TypeVar, get_args

import msgspec

from lambent import testing as t
from lambent._cli import UsageError
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
_HTTP: tuple[HttpSource, ...] = ("apigw-rest", "apigw-http", "function-url")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "events",
        help="detect the source of event files; generate sample events",
        description="Print the source kind of event files (detect), or print a sample "
        "event of a kind as JSON (generate).",
    )
    sub = parser.add_subparsers(dest="events_command", metavar="ACTION", required=True)

    detect = sub.add_parser("detect", help="print the source kind of each event file")
    detect.add_argument("files", nargs="+", metavar="FILE", help="JSON event files")
    detect.set_defaults(func=run_detect)

    gen = sub.add_parser("generate", help="print a sample event of a source kind as JSON")
    gen.add_argument("kind", choices=list(_BUILDERS), metavar="KIND", help=", ".join(_BUILDERS))
    gen.add_argument(
        "--body",
        action="append",
        default=[],
        help="a payload (repeatable; direct: a JSON object; default: per kind)",
    )
    gen.add_argument(
        "--count", type=int, help="number of records, bodies repeated (default: one per body)"
    )
    for name in ("queue", "table", "bucket", "stream", "topic", "rule", "group"):
        gen.add_argument(
            f"--{name}", help=f"{name} name, or ARN where AWS uses one (default: per kind)"
        )
    gen.add_argument(
        "--key",
        action="append",
        default=[],
        help="S3 object key (repeatable), Kafka record key, DynamoDB key attribute "
        "(default: per kind)",
    )
    gen.add_argument("--method", default="GET", help="HTTP method")
    gen.add_argument("--path", default="/", help="HTTP path")
    gen.add_argument("--fifo", action="store_true", help="a FIFO SQS queue")
    gen.add_argument(
        "--event-name",
        help="S3 event name (ObjectCreated:Put), DynamoDB INSERT|MODIFY|REMOVE, "
        "CloudFront event type, WebSocket connect|message|disconnect, "
        "authorizer token|request|http (default: the first)",
    )
    gen.add_argument(
        "--variant",
        help="alb: single|multi; kafka: msk|self-managed; mq: activemq|rabbitmq; "
        "firehose: put|<kinesis stream name> (default: the first)",
    )
    gen.add_argument("--source", help="EventBridge source (default: com.example.orders)")
    gen.add_argument("--detail-type", help="EventBridge detail-type (default: Order Placed)")
    gen.add_argument("--region", default="us-east-1", help="the event's region")
    gen.add_argument("--account", default="123456789012", help="the event's account id")
    gen.add_argument("--seed", type=int, help="make ids reproducible (default: random ids)")
    gen.add_argument("--indent", type=int, default=2, help="JSON indent (0: one line)")
    gen.set_defaults(func=run_generate)


def run_detect(args: argparse.Namespace) -> int:
    from lambent.sources import detect

    status = 0
    for name in args.files:
        try:
            with open(name, "rb") as f:
                event = msgspec.json.decode(f.read())
        except (OSError, msgspec.DecodeError) as exc:
            print(f"lambent events detect: {name}: {exc}", file=sys.stderr)
            status = 2
            continue
        print(f"{detect(event)}\t{name}")
    return status


def run_generate(args: argparse.Namespace) -> int:
    _check_options(args)
    try:
        event = generate(args)
    except (ValueError, TypeError, KeyError, msgspec.DecodeError) as exc:
        raise UsageError(f"{args.kind}: {exc}") from exc
    data = msgspec.json.encode(event)
    if args.indent:
        data = msgspec.json.format(data, indent=args.indent)
    sys.stdout.write(data.decode() + "\n")
    return 0


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
    "direct": ("body",),
}
_DEFAULTS: dict[str, Any] = {"body": [], "key": [], "method": "GET", "path": "/", "fifo": False}


def _check_options(args: argparse.Namespace) -> None:
    """Refuse an option the kind does not use (it would be silently ignored)."""
    takes = OPTIONS[args.kind]
    for dest in sorted({d for options in OPTIONS.values() for d in options} - set(takes)):
        if getattr(args, dest) != _DEFAULTS.get(dest):
            flag = "--" + dest.replace("_", "-")
            shown = ", ".join("--" + d.replace("_", "-") for d in takes) or "none"
            raise UsageError(f"{flag} does not apply to {args.kind} (its options: {shown})")


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


def generate(args: argparse.Namespace) -> dict[str, Any]:
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


def _http(a: argparse.Namespace) -> dict[str, Any]:
    source: HttpSource
    if a.kind == "alb":
        source = (
            "alb-multi" if _pick(a.variant, ("single", "multi"), "--variant") == "multi" else "alb"
        )
    else:
        source = _pick(a.kind, _HTTP, "KIND")
    return t.http_request(a.method, a.path, source=source, body=_one(a.body), **_aws(a))


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


def _direct(a: argparse.Namespace) -> dict[str, Any]:
    if len(a.body) > 1:
        raise ValueError("a direct invocation has one payload: give --body once")
    payload = msgspec.json.decode(a.body[0]) if a.body else {}
    if not isinstance(payload, dict):
        raise ValueError("--body must be a JSON object")
    return t.direct_event(payload)


_HELLO = '{"message": "hello"}'

_BUILDERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "sqs": _sqs, "sns": _sns, "s3": _s3, "dynamodb-stream": _dynamodb,
    "kinesis-stream": _kinesis, "kafka": _kafka, "mq": _mq, "firehose": _firehose,
    "apigw-rest": _http, "apigw-http": _http, "function-url": _http, "alb": _http,
    "apigw-websocket": _websocket, "apigw-authorizer": _authorizer, "ses": _ses,
    "cloudfront": _cloudfront, "eventbridge": _eventbridge, "schedule": _schedule,
    "cloudwatch-logs": _logs, "direct": _direct,
}  # fmt: skip
