"""``lambent layer``: build lambent as a Lambda layer, and describe a built one.

``lambent layer build`` installs lambent and its dependencies from wheels made for one
Lambda Python runtime and architecture into ``python/lib/python3.X/site-packages`` of a
reproducible zip, with ``python/lambent-layer.json`` recording what went in. It refuses
to write a zip over Lambda's limits (50 MB zipped for a direct upload, 250 MB unzipped).
``lambent layer info ZIP`` prints a built layer's manifest and sizes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lambent._cli import subcommand

_EPILOG = """publishing (the runtime and architecture are printed by the build):
  aws lambda publish-layer-version --layer-name lambent \\
      --zip-file fileb://dist/lambent-layer.zip \\
      --compatible-runtimes python3.12 --compatible-architectures x86_64
"""


def add_parser(subparsers: Any) -> None:
    parser = subcommand(subparsers, "layer", "build the Lambda layer zip", __doc__)
    sub = parser.add_subparsers(dest="layer_command", metavar="COMMAND", required=True)

    build = sub.add_parser(
        "build",
        help="build the layer zip for one runtime and architecture",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--python",
        default="3.12",
        choices=("3.11", "3.12", "3.13"),
        help="the Lambda runtime's Python version (default: 3.12)",
    )
    build.add_argument(
        "--arch",
        default="x86_64",
        choices=("x86_64", "arm64"),
        help="the function's architecture (default: x86_64)",
    )
    build.add_argument(
        "--extras",
        action="append",
        default=[],
        metavar="EXTRA[,EXTRA]",
        help="lambent extras to include, e.g. aws (aiobotocore) (default: none)",
    )
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("dist/lambent-layer.zip"),
        help="the zip to write (default: dist/lambent-layer.zip)",
    )
    build.add_argument(
        "--compile",
        action="store_true",
        help="include bytecode for the runtime's Python (faster cold starts)",
    )
    build.add_argument(
        "--compile-with",
        metavar="PYTHON",
        help="the interpreter that writes the bytecode (default: found by version)",
    )
    build.add_argument(
        "--source",
        type=Path,
        help="lambent's source tree to build from (default: the running lambent's)",
    )
    build.add_argument(
        "--cache-dir", metavar="DIR", help="pip's download cache (default: pip's own)"
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    build.set_defaults(func=run_build)

    info = sub.add_parser("info", help="print a built layer's manifest and sizes")
    info.add_argument("zip", type=Path, metavar="ZIP", help="a layer zip built by lambent")
    info.set_defaults(func=run_info)


def _extras(values: list[str]) -> tuple[str, ...]:
    return tuple(sorted({e.strip() for v in values for e in v.split(",") if e.strip()}))


def run_build(args: argparse.Namespace) -> int:
    from lambent._layer import BuildOptions, LayerError, Target, build_layer
    from lambent._layer.archive import mb

    def say(message: str) -> None:
        if not args.quiet:
            sys.stderr.write(f"lambent layer: {message}\n")

    try:
        target = Target(python=args.python, arch=args.arch, extras=_extras(args.extras))
        options = BuildOptions(
            output=args.output,
            compile=args.compile or args.compile_with is not None,
            interpreter=args.compile_with,
            source=args.source,
            cache_dir=args.cache_dir,
        )
        result = build_layer(target, options, say)
    except LayerError as exc:
        sys.stderr.write(f"lambent layer build: {exc}\n")
        return 2
    sizes = result.sizes
    doc = result.manifest
    extras = ",".join(target.extras) or "none"
    out = sys.stdout
    out.write(f"{result.output}\n")
    out.write(f"  lambent {doc['lambent']}, extras: {extras}, {len(result.wheels)} wheels\n")
    out.write(f"  CompatibleRuntimes: {' '.join(doc['CompatibleRuntimes'])}\n")
    out.write(f"  CompatibleArchitectures: {' '.join(doc['CompatibleArchitectures'])}\n")
    bytecode = f"{result.bytecode} .pyc ({doc['bytecode']})" if result.bytecode else "none"
    out.write(f"  bytecode: {bytecode}\n")
    out.write(
        f"  zipped {mb(sizes.zipped)} ({sizes.zipped} bytes, limit 50 MB), "
        f"unzipped {mb(sizes.unzipped)} ({sizes.unzipped} bytes, limit 250 MB), "
        f"{sizes.files} files\n"
    )
    return 0


def run_info(args: argparse.Namespace) -> int:
    from lambent._layer import LayerError, read_manifest
    from lambent._layer.archive import mb, read_sizes

    try:
        doc = read_manifest(args.zip)
        sizes = read_sizes(args.zip)
    except (LayerError, OSError) as exc:
        sys.stderr.write(f"lambent layer info: {exc}\n")
        return 2
    except ValueError as exc:  # a bad zip or manifest
        sys.stderr.write(f"lambent layer info: {args.zip}: {exc}\n")
        return 2
    out = sys.stdout
    out.write(
        f"{args.zip}: lambent {doc.get('lambent')} for "
        f"{' '.join(doc.get('CompatibleRuntimes', []))} "
        f"{' '.join(doc.get('CompatibleArchitectures', []))}, "
        f"extras: {','.join(doc.get('extras', [])) or 'none'}, "
        f"bytecode: {doc.get('bytecode') or 'none'}\n"
    )
    out.write(f"  zipped {mb(sizes.zipped)}, unzipped {mb(sizes.unzipped)}, {sizes.files} files\n")
    for wheel in doc.get("wheels", []):
        out.write(f"  {wheel['filename']}\n")
    return 0
