"""``lambent openapi APP [-o FILE]``: write the OpenAPI 3.1 document of an app's HTTP routes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "openapi",
        help="write the OpenAPI 3.1 document of an app's HTTP routes",
        description="Write the OpenAPI 3.1 document of APP's HTTP routes, built from the "
        "types its handlers declare (APP: module:attribute or path/to/file.py[:attribute]).",
    )
    parser.add_argument("app", metavar="APP", help="the app: module:attribute or a file path")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="the file to write (default: stdout)"
    )
    parser.add_argument("--title", help="the API's title (default: the app's name)")
    parser.add_argument("--api-version", default="0.1.0", help="the API's version")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambent import App
    from lambent._cli import UsageError
    from lambent._loading import load_object
    from lambent.openapi import document

    app = load_object(args.app)
    if not isinstance(app, App):
        raise UsageError(f"{args.app} is a {type(app).__name__}, not a lambent App")
    text = json.dumps(document(app, title=args.title, version=args.api_version), indent=2)
    if args.output is None:
        sys.stdout.write(text + "\n")
    else:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0
