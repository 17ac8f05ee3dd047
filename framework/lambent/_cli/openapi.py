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
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    parser.add_argument("--title", help="the API's title (default: the app's name)")
    parser.add_argument("--version", default="0.1.0", help="the API's version (default: 0.1.0)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambent._errors import ConfigurationError
    from lambent.openapi import document

    try:  # where the app loader lives once the local tools' CLI changes land
        from lambent._loading import load_object  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        from lambent._cli._load import load_object  # type: ignore[import-not-found, no-redef, unused-ignore]

    try:
        app = load_object(args.app)
    except (ConfigurationError, ImportError) as exc:
        sys.stderr.write(f"lambent openapi: {exc}\n")
        return 2
    if not hasattr(app, "routes") or not hasattr(app, "_http"):
        sys.stderr.write(f"lambent openapi: {args.app} is not a lambent App\n")
        return 2
    text = json.dumps(document(app, title=args.title, version=args.version), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text)
    except OSError as exc:
        sys.stderr.write(f"lambent openapi: cannot write {args.output}: {exc.strerror}\n")
        return 2
    return 0
