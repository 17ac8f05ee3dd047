"""``lambent serve``: a local Lambda with the real Invoke API (and Runtime API).

Point boto3, the AWS CLI or any SDK at it (``endpoint_url=http://127.0.0.1:PORT``) and
invoke functions with ``RequestResponse``, ``Event`` or ``DryRun``, or with
``InvokeWithResponseStream``. Functions run in this process by default; ``--runtime-api``
runs each in unmodified ``python -m awslambdaric`` worker processes that poll this
server's Runtime API, as in Lambda, and ``--runtime lambent`` in ``python -m
lambent.runtime`` ones. Functions in this process share its environment variables: their
``--env`` ones, and each variable Lambda sets from a function's configuration whose
value is alike for all of them (``AWS_REGION``, ``AWS_EXECUTION_ENV``...; with one
function in process, ``AWS_LAMBDA_FUNCTION_NAME`` and the rest too). Never
``AWS_LAMBDA_RUNTIME_API``, ``AWS_LAMBDA_LOG_STREAM_NAME`` or ``TZ``: read a function's
own name, memory and log stream from its context, which carries them for every function.

Options written ``[NAME=]VALUE`` apply to one function when prefixed with its name, to
every function otherwise. Event invocations are retried as Lambda retries them (2
retries, about 1 and 2 minutes apart, events older than 6 hours dropped);
``--time-scale 0.001`` makes those minutes milliseconds for local work. Ctrl-C stops
gracefully: running invocations finish, queued events are counted and left.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from lambent._cli import UsageError, leaf, subcommand
from lambent._cli._values import memory, number, port, read, seconds, timeout, whole

_BIND_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)

_EPILOG = """destinations (--on-success / --on-failure):
  path/to/file.jsonl                         one JSON record per line
  arn:aws:sqs:REGION:ACCOUNT:QUEUE or a URL   an SQS queue (aiobotocore)
  arn:aws:sns:REGION:ACCOUNT:TOPIC           an SNS topic
  arn:aws:events:REGION:ACCOUNT:event-bus/B  an EventBridge bus
  arn:aws:lambda:REGION:ACCOUNT:function:F   function F of this server (asynchronously)
"""


def add_parser(subparsers: Any) -> None:
    parser = subcommand(
        subparsers,
        "serve",
        "serve the Lambda Invoke API (and Runtime API) locally",
        __doc__,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("app", metavar="APP", nargs="?", help="the app of function --name")
    parser.add_argument("--name", default="function", help="name of APP (default: function)")
    parser.add_argument(
        "--function",
        action="append",
        default=[],
        metavar="NAME=APP",
        help="one more function (repeatable; default: only APP)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (loopback unless --allow-remote)"
    )
    parser.add_argument(
        "--port", type=port, default=9001, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone reaching it can run your functions)",
    )
    parser.add_argument(
        "--runtime-api",
        "--out-of-process",
        dest="runtime_api",
        action="store_true",
        help="run functions in awslambdaric worker processes over the Runtime API",
    )
    parser.add_argument(
        "--runtime",
        choices=("lambent", "awslambdaric"),
        default=None,
        help="the runtime client of the worker processes (implies --runtime-api): "
        "lambent.runtime or awslambdaric (default: awslambdaric with --runtime-api)",
    )
    # options of one function when written NAME=VALUE, of every function otherwise
    for flag, metavar, text in (
        ("--timeout", "SECONDS", "a function's timeout, at most 900 (default: 3)"),
        (
            "--memory",
            "MB",
            "a function's memory, 128 to 10240, as its context reports it (default: 128)",
        ),
        (
            "--python",
            "PATH",
            "the interpreter awslambdaric workers run, with --runtime-api (default: this one)",
        ),
        ("--concurrency", "N", "invocations at once; more synchronous calls get 429 (default: 10)"),
        ("--max-retries", "N", "retries of a failed Event invocation, 0 to 2 (default: 2)"),
        (
            "--retry-delays",
            "S[,S...]",
            "seconds before each retry, scaled by --time-scale (default: 60,120)",
        ),
        (
            "--max-event-age",
            "S",
            "seconds an Event invocation may wait, 60 to 21600 (default: 21600)",
        ),
        (
            "--on-success",
            "DEST",
            "where successful Event invocations are recorded (default: nowhere)",
        ),
        ("--on-failure", "DEST", "where failed Event invocations are recorded (default: nowhere)"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="[NAME=]" + metavar, help=text
        )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable of the functions (repeatable; default: none)",
    )
    parser.add_argument(
        "--time-scale",
        type=number(),
        default=1.0,
        metavar="FACTOR",
        help="multiplies retry delays and event ages (0.001: minutes become milliseconds)",
    )
    parser.add_argument(
        "--aws-endpoint-url", help="endpoint for SQS/SNS/EventBridge destinations (default: AWS)"
    )
    parser.add_argument("--region", default="us-east-1", help="the functions' region")
    parser.add_argument("--account-id", default="123456789012", help="the functions' account")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where queued Event invocations are kept across restarts "
        "(default: ~/.cache/lambent/serve)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=seconds(),
        default=10.0,
        metavar="SECONDS",
        help="on Ctrl-C or SIGTERM, how long queued Event invocations keep running "
        "before the rest are saved to --state-dir",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=seconds(),
        default=60.0,
        metavar="SECONDS",
        help="how long a stop waits for running invocations",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="report every Event outcome")
    parser.set_defaults(func=run)


#: ``MaximumRetryAttempts`` and ``MaximumEventAgeInSeconds`` limits (LAMBDA.md §2.1)
MAX_RETRIES = 2
MIN_EVENT_AGE = 60
MAX_EVENT_AGE = 21_600


def _per_function(values: list[str], names: list[str], what: str) -> dict[str | None, str]:
    """``["5", "orders=10"]`` -> ``{None: "5", "orders": "10"}``."""
    found: dict[str | None, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if sep and name in names:
            found[name] = rest
        elif sep and name.isidentifier() and what != "destination":
            raise UsageError(f"--{what}: no function named {name!r}")
        else:
            found[None] = value
    return found


def _configs(args: argparse.Namespace) -> list[Any]:
    from lambent._local.model import AsyncPolicy, FunctionConfig

    targets: dict[str, str] = {}
    if args.app:
        targets[args.name] = args.app
    for spec in args.function:
        name, sep, target = spec.partition("=")
        if not sep or not name or not target:
            raise UsageError(f"--function wants NAME=APP, not {spec!r}")
        if name in targets:
            first = (
                f"APP ({targets[name]}, --name {name})"
                if name == args.name and args.app
                else targets[name]
            )
            raise UsageError(f"--function {spec}: {name!r} already runs {first}; name it otherwise")
        targets[name] = target
    if not targets:
        raise UsageError("name an APP or give --function NAME=APP")
    names = list(targets)
    options = {
        key: _per_function(getattr(args, key), names, key.replace("_", "-"))
        for key in (
            "timeout",
            "memory",
            "python",
            "concurrency",
            "max_retries",
            "retry_delays",
            "max_event_age",
        )
    }
    success = _per_function(args.on_success, names, "destination")
    failure = _per_function(args.on_failure, names, "destination")
    env: dict[str, str] = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env wants KEY=VALUE, not {item!r}")
        env[key] = value

    def pick(key: str, name: str) -> str | None:
        table = options[key]
        return table.get(name, table.get(None))

    configs = []
    for name, target in targets.items():
        policy = AsyncPolicy(time_scale=args.time_scale)
        if (value := pick("max_retries", name)) is not None:
            retries = read(whole(least=0, most=MAX_RETRIES), "--max-retries", value)
            policy = replace(policy, max_retries=retries)
        if (value := pick("retry_delays", name)) is not None:
            delays = tuple(
                read(seconds(), "--retry-delays", d) for d in value.split(",") if d.strip()
            )
            policy = replace(policy, retry_delays=delays)
        if (value := pick("max_event_age", name)) is not None:
            age = read(seconds(), "--max-event-age", value)
            policy = replace(policy, max_event_age=age)
        policy = replace(
            policy,
            on_success=success.get(name, success.get(None)),
            on_failure=failure.get(name, failure.get(None)),
        )
        config = FunctionConfig(
            name=name,
            target=target,
            mode=args.runtime or ("awslambdaric" if args.runtime_api else "in-process"),
            region=args.region,
            account_id=args.account_id,
            environment=env,
            policy=policy,
        )
        if (value := pick("timeout", name)) is not None:
            config = replace(config, timeout=read(timeout, "--timeout", value))
        if (value := pick("memory", name)) is not None:
            config = replace(config, memory_mb=read(memory, "--memory", value))
        if (value := pick("python", name)) is not None:
            config = replace(config, python=value)
        if (value := pick("concurrency", name)) is not None:
            config = replace(config, concurrency=read(whole(least=1), "--concurrency", value))
        # PutFunctionEventInvokeConfig's ranges (LAMBDA.md §2.1); Lambda refuses others
        if not MIN_EVENT_AGE <= policy.max_event_age <= MAX_EVENT_AGE:
            raise UsageError(
                f"{name}: --max-event-age must be {MIN_EVENT_AGE} to {MAX_EVENT_AGE} seconds"
            )
        configs.append(config)
    return configs


def run(args: argparse.Namespace) -> int:
    import anyio

    from lambent._local.guard import check_bind

    configs = _configs(args)
    if check_bind(args.host, args.allow_remote):
        sys.stderr.write(
            f"lambent serve: WARNING: listening on {args.host}, not loopback: anyone who "
            "reaches this address can run your functions\n"
        )
    try:
        return anyio.run(_serve, args, configs)
    except BaseException as exc:
        cause = leaf(exc)
        if isinstance(cause, OSError) and cause.errno in _BIND_ERRORS:
            where = f"{args.host}:{args.port}"
            raise UsageError(f"cannot listen on {where}: {cause.strerror}") from exc
        raise


async def _serve(args: argparse.Namespace, configs: list[Any]) -> int:
    import anyio

    from lambent._local.server import LocalLambda, ShutdownReport
    from lambent._local.state import default_state_dir

    server = LocalLambda(
        configs,
        host=args.host,
        port=args.port,
        aws_endpoint_url=args.aws_endpoint_url,
        shutdown_timeout=args.shutdown_timeout,
        verbose=args.verbose,
        state_dir=args.state_dir or default_state_dir(),
        drain_timeout=args.drain_timeout,
        allow_remote=args.allow_remote,
    )
    reports: list[ShutdownReport] = []
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as tg:

            async def serve(*, task_status: anyio.abc.TaskStatus[str]) -> None:
                reports.append(await server.serve(task_status=task_status))
                tg.cancel_scope.cancel()  # the server is done: stop watching signals

            url = await tg.start(serve)
            _banner(server, url, configs)
            async for _ in signals:
                if server.stop_requested:
                    server.say("second signal: stopping now")
                    tg.cancel_scope.cancel()
                    break
                server.say("stopping (Ctrl-C again to force)")
                server.stop()
    if not reports:
        return 130
    server.say(shutdown_line(reports[0], server.state_dir))
    return 1 if reports[0].lifespans_failed else 0  # a lifespan failed at shutdown (logged)


def shutdown_line(report: Any, state_dir: Path | None) -> str:
    """How every accepted async event ended, in one line."""
    lost = report.left - report.persisted
    line = (
        f"stopped: waited for {report.waited} running invocation(s); async events: "
        f"{report.resumed} resumed, {report.finished} finished, "
        f"{report.persisted} saved to {state_dir} for the next start"
    )
    return line + (f", {lost} LOST" if lost else "")


def _banner(server: Any, url: str, configs: list[Any]) -> None:
    mode = "in-process" if configs[0].mode == "in-process" else f"{configs[0].mode} workers"
    server.say(f"Lambda Invoke API at {url} ({mode}); Ctrl-C to stop")
    for cfg in configs:
        server.say(
            f"  {cfg.name}: {cfg.target}  timeout={cfg.timeout:g}s memory={cfg.memory_mb}MB "
            f"concurrency={cfg.concurrency}  POST {url}/2015-03-31/functions/{cfg.name}/invocations"
        )
    if server.resumed:
        server.say(f"resumed {server.resumed} queued async event(s) from {server.state_dir}")
