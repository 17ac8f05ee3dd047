"""``lambent routes APP``: print an app's routing table."""

from __future__ import annotations

import argparse
from typing import Any

from lambent._loading import load_object
from lambent._web import web_router


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "routes",
        help="print an app's routing table",
        description="Print the routes of APP (module:attribute or path/to/file.py[:attribute]).",
    )
    parser.add_argument("app", metavar="APP", help="the app: module:attribute or a file path")
    parser.set_defaults(func=run)


def rows(app: Any) -> list[tuple[str, str, str, str]]:
    """(source, filter, handler, options) for every route, in matching order."""
    out: list[tuple[str, str, str, str]] = []
    for route in app.routes:
        shown = ", ".join(f"{k}={v}" for k, v in route.filters) or "*"
        opts = route.options
        options = []
        if opts.concurrency is not None:
            options.append(f"concurrency={opts.concurrency}")
        for flag in ("threaded", "strict_order", "sequential", "window"):
            if getattr(opts, flag):
                options.append(flag)
        if opts.on_decode_error != "fail":
            options.append(f"on_decode_error={opts.on_decode_error}")
        out.append((route.kind, shown, route.plan.name, " ".join(options)))
    web = web_router(app)
    if web is not None:
        for entry in web.describe():
            out.append(_web_row(entry))
    return out


def _web_row(entry: Any) -> tuple[str, str, str, str]:
    """A web router line ``kind(filter) -> handler`` (or a 4-tuple) as table columns."""
    if not isinstance(entry, str):
        source, filt, handler, options = (*entry, "", "", "", "")[:4]
        return str(source), str(filt), str(handler), str(options)
    head, _, handler = entry.partition(" -> ")
    source, _, rest = head.partition("(")
    return source.strip(), rest.rstrip(")").strip() or "*", handler.strip(), ""


def run(args: argparse.Namespace) -> int:
    app = load_object(args.app)
    table = rows(app)
    if not table:
        print("(no routes)")
        return 0
    headers = ("SOURCE", "FILTER", "HANDLER", "OPTIONS")
    widths = [max(len(r[i]) for r in [headers, *table]) for i in range(4)]
    for row in [headers, *table]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0
