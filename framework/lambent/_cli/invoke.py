"""``lambent invoke APP EVENT_FILE``: run an app on one event, as Lambda would, in this process.

The function's result goes to stdout as JSON (the error object when it failed); what
the function prints or logs goes to stderr. The exit status is 0 when the function
succeeded, 1 when it failed and 2 when it never ran (the app does not load, the event is
not JSON or too large: the service errors of the Invoke API).

``--type Event`` runs the event the way an asynchronous invocation is run (retries
included, immediately by default) and prints the destination record Lambda would send
(``condition`` ``Success`` or ``RetriesExhausted``). ``--type DryRun`` checks the app and
the event and runs nothing. ``--log-type Tail`` prints, instead of the live output, the
last 4 KB of the invocation's log (``START`` ... ``REPORT``) to stderr at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lambent._cli import subcommand
from lambent._cli._values import memory, read, seconds, timeout

_TYPES = ("RequestResponse", "Event", "DryRun")


def add_parser(subparsers: Any) -> None:
    parser = subcommand(
        subparsers,
        "invoke",
        "run an app on an event, as a Lambda invocation",
        __doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("app", metavar="APP", help="module:attribute or path/to/file.py[:attr]")
    parser.add_argument("event", metavar="EVENT_FILE", help="a JSON file, or - for stdin")
    parser.add_argument(
        "--type",
        dest="invocation_type",
        choices=_TYPES,
        default=_TYPES[0],
        help="the invocation type",
    )
    parser.add_argument(
        "--log-type",
        choices=("None", "Tail"),
        default="None",
        help="Tail: print the invocation's last 4 KB of log at the end",
    )
    parser.add_argument("--name", default="function", help="function name (default: function)")
    parser.add_argument(
        "--timeout", type=timeout, default=3.0, help="seconds, at most 900 (default: 3)"
    )
    parser.add_argument(
        "--memory", type=memory, default=128, help="MB, 128 to 10240 (default: 128)"
    )
    parser.add_argument(
        "--client-context", help="base64 of a JSON object, as boto3 sends it (default: none)"
    )
    parser.add_argument("--tenant-id", help="tenant id for multi-tenant functions (default: none)")
    parser.add_argument(
        "--max-retries", type=int, default=2, help="Event: retries after a failure (default: 2)"
    )
    parser.add_argument(
        "--retry-delays",
        default="0,0",
        help="Event: seconds before each retry, comma-separated (default: 0,0)",
    )
    parser.set_defaults(func=run)


def _fail(code: str, message: str) -> int:
    sys.stderr.write(f"lambent invoke: {code}: {message}\n")
    return 2


def _read_event(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as f:
        return f.read()


def run(args: argparse.Namespace) -> int:
    import anyio

    from lambent._errors import ConfigurationError
    from lambent._loading import load_object
    from lambent._local import errors, logs
    from lambent._local.context import check_tenant, decode_client_context
    from lambent._local.function import check_config
    from lambent._local.model import (
        ASYNC_REQUEST_LIMIT,
        SYNC_REQUEST_LIMIT,
        AsyncPolicy,
        FunctionConfig,
        Invocation,
    )

    try:
        payload = _read_event(args.event)
    except OSError as exc:
        return _fail("InvalidRequestContentException", f"cannot read {args.event}: {exc}")
    asynchronous = args.invocation_type == "Event"
    limit = ASYNC_REQUEST_LIMIT if asynchronous else SYNC_REQUEST_LIMIT
    delays = tuple(
        read(seconds(), "--retry-delays", d) for d in args.retry_delays.split(",") if d.strip()
    )
    try:
        if len(payload) > limit:
            raise errors.too_large(len(payload), asynchronous, limit)
        if not payload.strip():
            payload = b"{}"
        errors.check_payload(payload)
        client_context = decode_client_context(args.client_context)
        tenant = check_tenant(args.tenant_id)
        obj = load_object(args.app)
    except errors.ServiceError as exc:
        return _fail(exc.code, exc.message)
    except (ConfigurationError, ImportError, ValueError) as exc:
        return _fail("ResourceNotFoundException", f"cannot load {args.app}: {exc}")
    if not 0 <= args.max_retries <= 2:  # MaximumRetryAttempts (LAMBDA.md §2.1)
        return _fail("InvalidParameterValueException", "--max-retries must be 0 to 2")
    policy = AsyncPolicy(max_retries=args.max_retries, retry_delays=delays)
    config = FunctionConfig(
        name=args.name, target=args.app, timeout=args.timeout, memory_mb=args.memory, policy=policy
    )
    check_config(config)  # a ConfigurationError: one line, exit 2
    if args.invocation_type == "DryRun":
        return 0
    invocation = Invocation(
        function=config.name,
        payload=payload,
        invoked_arn=config.arn,
        client_context=None if asynchronous else client_context,
        tenant_id=tenant,
    )
    tail = args.log_type == "Tail" and not asynchronous
    logs.install(sys.stderr, sys.stderr, echo=not tail)
    try:
        if asynchronous:
            record, left = anyio.run(_run_event, config, obj, invocation)
        else:
            result, left = anyio.run(_run_sync, config, obj, invocation)
    finally:
        logs.uninstall()
    if asynchronous:
        _write(json.dumps(record, ensure_ascii=False).encode())
        ok = record["requestContext"]["condition"] == "Success"
    else:
        if tail:
            sys.stderr.write(result.log.encode()[-4096:].decode(errors="ignore"))
            sys.stderr.flush()
        _write(result.payload)
        ok = not result.failed
    return 0 if ok and left else 1  # left: the lifespan did not fail at shutdown (logged)


def _write(payload: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(payload + b"\n")
    sys.stdout.buffer.flush()


async def _run_sync(config: Any, obj: Any, invocation: Any) -> tuple[Any, bool]:
    """The invocation's result, and whether the lifespan was left without failing."""
    from lambent._local.inprocess import InProcessRunner

    runner = InProcessRunner(config, obj)
    try:
        result = await runner.run(invocation)
    finally:
        left = await runner.aclose()
    return result, left


class _Keep:
    """A destination that keeps the record (the command prints it)."""

    description = "stdout"

    def __init__(self) -> None:
        self.record: dict[str, Any] | None = None

    async def send(self, record: dict[str, Any]) -> None:
        self.record = record


async def _run_event(config: Any, obj: Any, invocation: Any) -> tuple[dict[str, Any], bool]:
    import anyio

    from lambent._local.async_queue import EventQueue
    from lambent._local.function import LocalFunction
    from lambent._local.inprocess import InProcessRunner

    keep = _Keep()
    runner = InProcessRunner(config, obj)
    queue = EventQueue(LocalFunction(config, runner), keep, keep)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(queue.run)
            queue.submit(invocation)
            await queue.wait_idle()
            queue.stop()
    finally:
        left = await runner.aclose()
    assert keep.record is not None
    return keep.record, left
