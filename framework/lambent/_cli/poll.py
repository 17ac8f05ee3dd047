"""``lambent poll APP SOURCE...``: Lambda's event source mappings, outside Lambda.

SOURCE is an SQS queue URL or ARN, a Kinesis stream ARN or a DynamoDB stream ARN.
Batches go to APP as Lambda would deliver them; failures are retried, deleted or
checkpointed by Lambda's rules (docs/poll.md). Ctrl-C (or SIGTERM) stops receiving,
lets in-flight batches finish within --grace seconds, then releases the rest.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lambent._cli import subcommand


def add_parser(sub: Any) -> None:
    parser = subcommand(
        sub, "poll", "run APP on real SQS queues, Kinesis streams and DynamoDB streams", __doc__
    )
    parser.add_argument("app", metavar="APP", help="the app: module:attribute or a file path")
    parser.add_argument("sources", metavar="SOURCE", nargs="+", help="queue URL/ARN or stream ARN")
    parser.add_argument(
        "--endpoint-url", help="AWS endpoint (moto, LocalStack; default: AWS's own)"
    )
    parser.add_argument(
        "--region", help="region (default: AWS_REGION, AWS_DEFAULT_REGION or the AWS config)"
    )
    parser.add_argument(
        "--batch-size", type=int, help="BatchSize (default: 10 for SQS, 100 for streams)"
    )
    parser.add_argument("--window", type=float, default=0.0, metavar="SECONDS",
                        help="MaximumBatchingWindowInSeconds (default: 0)")  # fmt: skip
    parser.add_argument("--checkpoint", metavar="PATH|dynamodb://TABLE",
                        help="where stream checkpoints are kept (default: none, start over each run)")  # fmt: skip
    parser.add_argument("--starting-position", default="LATEST",
                        choices=["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"],
                        help="where streams without a checkpoint start")  # fmt: skip
    parser.add_argument(
        "--starting-timestamp",
        type=float,
        metavar="EPOCH_SECONDS",
        help="with AT_TIMESTAMP (default: none)",
    )
    parser.add_argument("--max-retries", type=int, default=-1, help="MaximumRetryAttempts")
    parser.add_argument("--max-record-age", type=float, default=-1, metavar="SECONDS",
                        help="MaximumRecordAgeInSeconds")  # fmt: skip
    parser.add_argument("--bisect", action="store_true", help="BisectBatchOnFunctionError")
    parser.add_argument(
        "--on-failure", metavar="ARN", help="SQS/SNS destination for streams (default: none)"
    )
    parser.add_argument(
        "--tumbling-window",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="TumblingWindowInSeconds for streams (default: 0, off)",
    )
    parser.add_argument("--concurrency", type=int, default=10, help="batches at once (all sources)")
    parser.add_argument("--pollers", type=int, default=2, help="receivers per SQS queue")
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        metavar="SECONDS",
        help="while a batch runs (default: the queue's own)",
    )
    parser.add_argument("--wait-time", type=int, default=20, metavar="SECONDS",
                        help="SQS long polling")  # fmt: skip
    parser.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                        help="time in-flight batches get at shutdown")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                        help="the function timeout: each invocation's context reports it, "
                             "and an invocation past it fails its batch")  # fmt: skip
    parser.add_argument(
        "--shard-refresh",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how often streams are listed for new shards",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="pause between empty stream reads",
    )
    parser.add_argument(
        "--progress-every",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between progress lines",
    )
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS",
                        help="stop after this long without records (default: never)")  # fmt: skip
    parser.set_defaults(func=run)


def _options(args: argparse.Namespace) -> Any:
    from lambent.poll import PollOptions

    return PollOptions(
        endpoint_url=args.endpoint_url,
        region=args.region,
        batch_size=args.batch_size,
        window=args.window,
        checkpoint=args.checkpoint,
        starting_position=args.starting_position,
        starting_timestamp=args.starting_timestamp,
        max_retries=args.max_retries,
        max_record_age=args.max_record_age,
        bisect=args.bisect,
        on_failure=args.on_failure,
        tumbling_window=args.tumbling_window,
        concurrency=args.concurrency,
        pollers=args.pollers,
        visibility_timeout=args.visibility_timeout,
        wait_time=args.wait_time,
        grace=args.grace,
        function_timeout=args.timeout,
        shard_refresh=args.shard_refresh,
        poll_interval=args.poll_interval,
        progress_every=args.progress_every,
        idle_exit=args.idle_exit,
    )


async def _run(poll: Any, app: Any, sources: list[str], options: Any) -> Any:
    from lambent import aws

    async with aws.clients():  # the app's warm clients, closed at shutdown
        return await poll.session(app, *sources, options=options)


def run(args: argparse.Namespace) -> int:
    import anyio

    from lambent._errors import LambentError
    from lambent._lifespans import StartupFailed, report
    from lambent._loading import load_object

    try:
        from lambent import poll
    except ImportError as exc:  # pragma: no cover - depends on the install
        sys.stderr.write(f"lambent poll: {exc}\n")
        return 2
    try:
        app = load_object(args.app)
        options = _options(args)
        _, failed = anyio.run(_run, poll, app, args.sources, options)
    except StartupFailed as exc:  # the app's failure, not a usage mistake: exit 1
        sys.stderr.write(report("lambent poll", "startup", exc.error))
        return 1
    except (LambentError, ImportError) as exc:
        sys.stderr.write("lambent poll: " + " ".join(str(exc).split()) + "\n")
        return 2
    return 1 if failed is not None else 0  # the lifespan failed at shutdown (logged)
