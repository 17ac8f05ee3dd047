"""``lambent events``: detect the source of event files, generate sample events.

``lambent events detect FILE...`` prints ``<kind>\\t<file>`` per file.
``lambent events generate KIND [options]`` prints an event of that kind as JSON.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec

from lambent._cli import UsageError
from lambent._cli._samples import DEFAULTS, OPTIONS, generate, generated_kinds
from lambent._cli._values import whole

__all__ = ["OPTIONS", "add_parser", "generate", "generated_kinds", "run_detect", "run_generate"]


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
    kinds = generated_kinds()
    gen.add_argument("kind", choices=kinds, metavar="KIND", help=", ".join(kinds))
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
        "authorizer token|request|http, Cognito triggerSource (PreSignUp_SignUp), "
        "CloudFormation Create|Update|Delete (default: the first)",
    )
    gen.add_argument(
        "--variant",
        help="alb: single|multi; kafka: msk|self-managed; mq: activemq|rabbitmq; "
        "firehose: put|<kinesis stream name>; s3-batch: 1.0|2.0 (default: the first)",
    )
    gen.add_argument("--field", help="AppSync Type.field (default: Query.getPost)")
    gen.add_argument(
        "--resource-type", help="CloudFormation resource type (default: Custom::Resource)"
    )
    gen.add_argument(
        "--function", help="Bedrock agent function (default: the OpenAPI form, --path)"
    )
    gen.add_argument("--source", help="EventBridge source (default: com.example.orders)")
    gen.add_argument("--detail-type", help="EventBridge detail-type (default: Order Placed)")
    gen.add_argument("--region", default="us-east-1", help="the event's region")
    gen.add_argument("--account", default="123456789012", help="the event's account id")
    gen.add_argument("--seed", type=int, help="make ids reproducible (default: random ids)")
    gen.add_argument("--indent", type=whole(least=0), default=2, help="JSON indent (0: one line)")
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


def _check_options(args: argparse.Namespace) -> None:
    """Refuse an option the kind does not use (it would be silently ignored)."""
    takes = OPTIONS[args.kind]
    for dest in sorted({d for options in OPTIONS.values() for d in options} - set(takes)):
        if getattr(args, dest) != DEFAULTS.get(dest):
            flag = "--" + dest.replace("_", "-")
            shown = ", ".join("--" + d.replace("_", "-") for d in takes) or "none"
            raise UsageError(f"{flag} does not apply to {args.kind} (its options: {shown})")
