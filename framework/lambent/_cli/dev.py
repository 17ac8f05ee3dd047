"""``lambent dev APP``: the app's HTTP routes on a real HTTP server on loopback.

Each request becomes the chosen source's event (headers, multi-value headers, cookies,
repeated query keys, base64 for binary bodies, a request context with a request id and
time), runs through the app in this process, and is answered as that source's front
end answers (status, headers, cookies, base64 decoded; API Gateway's 29-second limit).
Point curl, a browser or a frontend at it. The server restarts when a Python file under
the app's folder (or --watch) changes; one access log line per request goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from lambent._cli import UsageError, subcommand
from lambent._cli._values import port, timeout
from lambent._dev.front import SOURCES


def add_parser(subparsers: Any) -> None:
    parser = subcommand(
        subparsers,
        "dev",
        "serve an app's HTTP routes on a local HTTP server, reloading on changes",
        __doc__,
    )
    parser.add_argument("app", metavar="APP", help="module:attribute or path/to/file.py[:attr]")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port, default=8000, help="port to listen on; 0 picks one")
    parser.add_argument(
        "--source",
        default="apigw-http",
        choices=SOURCES,
        help="the front end to act as (alb-multi: ALB with multi-value headers)",
    )
    parser.add_argument(
        "--timeout",
        type=timeout,
        default=30.0,
        help="seconds a request may run (API Gateway stops at 29 whatever this says)",
    )
    parser.add_argument(
        "--no-reload", dest="reload", action="store_false", help="do not restart on changes"
    )
    parser.add_argument(
        "--watch",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder whose Python files trigger a reload (repeatable; default: the app's)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone reaching it can call your app)",
    )
    parser.add_argument(
        "--openapi",
        action="store_true",
        help="also serve the app's OpenAPI document at /openapi.json and a page at /docs",
    )
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    sys.stderr.write(f"lambent dev: {message}\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    try:
        import aiohttp  # noqa: F401
        import watchfiles  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"needs {exc.name}: pip install 'lambent[local]'") from exc
    from lambent._loading import source_dir
    from lambent._local.guard import check_bind

    inherited = os.environ.pop("LAMBENT_DEV_FD", None)
    if inherited is not None:  # the server process of a reloading supervisor
        banner = os.environ.pop("LAMBENT_DEV_BANNER", "")
        return _serve(args, socket.socket(fileno=int(inherited)), banner)
    if check_bind(args.host, args.allow_remote):
        _say(
            f"WARNING: listening on {args.host}, not loopback: anyone reaching it can call the app"
        )
    sock = _bind(args.host, args.port)
    if not args.reload:
        return _serve(args, sock, "; Ctrl-C to stop")
    from lambent._dev.reload import supervise

    watch = args.watch or [source_dir(args.app)]
    banner = f"; reloading on changes in {', '.join(map(str, watch))}; Ctrl-C to stop"
    child = ["dev", args.app, "--source", args.source, "--timeout", str(args.timeout)]
    if args.openapi:
        child.append("--openapi")
    return supervise(child, sock, watch, _say, banner)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _serve(args: argparse.Namespace, sock: socket.socket, banner: str) -> int:
    """Serve on ``sock``; once listening say so, with ``banner`` (empty: say nothing)."""
    import anyio

    from lambent._dev.server import DevApp, serve
    from lambent._loading import load_object

    dev = DevApp(
        load_object(args.app),
        args.source,
        timeout=args.timeout,
        openapi=args.openapi,
        name=args.app,
    )
    sock.setblocking(False)

    async def main() -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with anyio.create_task_group() as tg:
                url = await tg.start(serve, dev, sock)
                if banner:
                    _say(f"{url} serves {args.app} as {args.source}{banner}")
                async for _ in signals:
                    tg.cancel_scope.cancel()
                    break

    anyio.run(main)
    return 1 if dev.failed_at_shutdown else 0  # the lifespan failed at shutdown (said)
