"""Building a layer zip: resolve, install, tidy, describe, compile, zip, check.

:func:`build_layer` does the whole job in a temporary folder and writes the zip only
when it fits Lambda's limits, so a refused build never leaves a zip behind. Inside
the zip::

    lambent-wrapper                             AWS_LAMBDA_EXEC_WRAPPER=/opt/lambent-wrapper
    python/lambent-layer.json                   what went in (see :func:`manifest`)
    python/lib/python3.X/site-packages/...      lambent and its dependencies

Lambda extracts it to ``/opt``, where ``/opt/python/lib/python3.X/site-packages`` is on
``sys.path`` of the ``python3.X`` runtime (LAMBDA.md §3.6).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambent._layer import wrapper
from lambent._layer.archive import Sizes, check_links, unzipped_size, write_zip
from lambent._layer.install import Wheel, build_wheel, install, project_root
from lambent._layer.target import (
    LayerError,
    Limits,
    Target,
    find_interpreter,
    interpreter_version,
)
from lambent._layer.tidy import check_machine, compile_tree, tidy

#: where the manifest lies inside the zip
MANIFEST = "python/lambent-layer.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class BuildOptions:
    """Everything a build depends on besides the :class:`Target`."""

    output: Path = Path("dist/lambent-layer.zip")
    compile: bool = False
    interpreter: str | None = None  # for --compile; found by version when None
    source: Path | None = None  # lambent's source tree; the running one when None
    cache_dir: str | None = None  # pip's cache
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class BuildResult:
    """A built layer: where it is, its sizes and what it holds."""

    output: Path
    target: Target
    sizes: Sizes
    wheels: tuple[Wheel, ...]
    bytecode: int  # .pyc files, 0 without --compile
    manifest: dict[str, Any]


def manifest(target: Target, wheels: tuple[Wheel, ...], compiled: bool) -> dict[str, Any]:
    """The layer's description: runtime, architecture, extras and every wheel with its tags.

    ``CompatibleRuntimes`` and ``CompatibleArchitectures`` are the values to give
    ``aws lambda publish-layer-version``. Nothing here depends on the build machine or
    the time, so the manifest keeps the zip reproducible.
    """
    version = next((w.version for w in wheels if w.name == "lambent"), None)
    return {
        "format": MANIFEST_FORMAT,
        "lambent": version,
        "python": target.python,
        "architecture": target.arch,
        "CompatibleRuntimes": [target.runtime],
        "CompatibleArchitectures": [target.arch],
        "platforms": list(target.platforms),
        "extras": list(target.extras),
        "site_packages": target.site_packages,
        "bytecode": target.bytecode_tag if compiled else None,
        "wheels": [wheel.as_json() for wheel in wheels],
    }


def resolve_interpreter(target: Target, interpreter: str | None) -> str:
    """The interpreter that writes bytecode for ``target``, or a clear refusal."""
    found = interpreter or find_interpreter(target.python)
    if found is None:
        raise LayerError(
            f"--compile needs a Python {target.python} interpreter to write "
            f"{target.bytecode_tag} bytecode, and none was found (looked for "
            f"python{target.python} on PATH and ~/.pyenv/versions/{target.python}.*); "
            "pass --compile-with PATH, or build without --compile"
        )
    version = interpreter_version(found)
    if version != target.python:
        raise LayerError(
            f"{found} is Python {version or '(not runnable)'}, but the layer is for "
            f"{target.python}: bytecode must be written by the runtime's own version"
        )
    return found


def build_layer(
    target: Target,
    options: BuildOptions,
    say: Callable[[str], None] = lambda _: None,
) -> BuildResult:
    """Build the layer for ``target`` as ``options`` say; raise :class:`LayerError` if not."""
    interpreter = resolve_interpreter(target, options.interpreter) if options.compile else None
    source = options.source or project_root()
    with tempfile.TemporaryDirectory(prefix="lambent-layer-") as tmp:
        work = Path(tmp)
        check_links(source)
        say(f"building lambent's wheel from {source}")
        wheel = build_wheel(source, work / "wheels", cache_dir=options.cache_dir)
        root = work / "layer"
        site = root / target.site_packages
        say(
            f"installing {target.requirement('lambent')} for {target.runtime} {target.arch} "
            f"({', '.join(target.platforms)})"
        )
        wheels = install(
            target, [target.requirement(str(wheel))], site, cache_dir=options.cache_dir
        )
        dropped = tidy(site)
        objects = check_machine(site, target)
        say(
            f"{len(wheels)} wheels, {objects} shared objects for {target.arch}; "
            f"dropped {dropped} files (scripts, caches, tests, C sources)"
        )
        doc = manifest(target, wheels, compiled=interpreter is not None)
        (root / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        script = root / wrapper.NAME
        script.write_text(wrapper.SCRIPT, encoding="utf-8")
        script.chmod(0o755)
        bytecode = 0
        if interpreter is not None:
            say(f"compiling {target.bytecode_tag} bytecode with {interpreter}")
            bytecode = compile_tree(site, target, interpreter)
        unzipped = unzipped_size(root)
        if unzipped > options.limits.unzipped:
            Sizes(zipped=0, unzipped=unzipped, files=0).check(options.limits)
        staged = work / "layer.zip"
        sizes = write_zip(root, staged)
        sizes.check(options.limits)
        output = options.output
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged, output)
    return BuildResult(
        output=output,
        target=target,
        sizes=sizes,
        wheels=wheels,
        bytecode=bytecode,
        manifest=doc,
    )


def read_manifest(zip_path: Path) -> dict[str, Any]:
    """The manifest of a built layer zip."""
    import zipfile

    try:
        with zipfile.ZipFile(zip_path) as archive:
            data = archive.read(MANIFEST)
    except zipfile.BadZipFile:
        raise LayerError(f"{zip_path} is not a zip file") from None
    except KeyError:
        raise LayerError(f"{zip_path} has no {MANIFEST}: not a lambent layer") from None
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise LayerError(f"{zip_path}: {MANIFEST} is not a JSON object: not a lambent layer")
    return doc
