"""Installing lambent and its dependencies from wheels made for a :class:`Target`.

lambent itself is built into a wheel from its source tree; pip then installs it, with
its dependencies, into a folder (``--target``) taking only binary wheels for the target's
Python version, implementation and manylinux platforms.

pip decides *which* wheel fits from ``--python-version``/``--platform``, but it still
evaluates dependency markers (``typing_extensions; python_version < "3.13"``) against the
Python that runs pip. So pip runs here through a small launcher that gives it the Lambda
runtime's marker values; the installation report pip writes shows which values it used,
and :func:`install` checks them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lambent
from lambent._layer.target import LayerError, Target

#: runs pip with the marker environment given as the first argument (JSON)
_PIP_LAUNCHER = """\
import json, runpy, sys
values = json.loads(sys.argv.pop(1))
from pip._vendor.packaging import markers
def default_environment():
    return dict(values)
markers.default_environment = default_environment
try:
    from pip._internal.models import installation_report
    installation_report.default_environment = default_environment
except ImportError:
    pass
sys.argv[0] = "pip"
runpy.run_module("pip", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Wheel:
    """One wheel that went into a layer, as pip chose it."""

    name: str
    version: str
    filename: str
    tags: tuple[str, ...]
    sha256: str | None = None

    @property
    def pure(self) -> bool:
        """True when every tag's platform is ``any`` (no compiled code)."""
        return all(tag.endswith("-any") for tag in self.tags)

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "filename": self.filename,
            "tags": list(self.tags),
        }
        if self.sha256:
            doc["sha256"] = self.sha256
        return doc


def wheel_tags(filename: str) -> tuple[str, ...]:
    """The tags of a wheel file name, expanded: ``py2.py3-none-any`` -> two tags."""
    stem = filename.removesuffix(".whl")
    parts = stem.split("-")
    if len(parts) < 5:
        raise LayerError(f"not a wheel file name: {filename}")
    pythons, abis, platforms = parts[-3:]
    return tuple(
        f"{py}-{abi}-{plat}"
        for py in pythons.split(".")
        for abi in abis.split(".")
        for plat in platforms.split(".")
    )


def project_root(start: Path | None = None) -> Path:
    """The source tree of the running lambent (the folder of its ``pyproject.toml``)."""
    here = (start or Path(lambent.__file__)).resolve()
    for folder in [here, *here.parents]:
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        with pyproject.open("rb") as fh:
            name = tomllib.load(fh).get("project", {}).get("name")
        if name == "lambent":
            return folder
    raise LayerError(
        "cannot find lambent's source tree (pyproject.toml) above "
        f"{here}; pass --source PATH to the lambent checkout"
    )


def _run_pip(args: Sequence[str], *, env: dict[str, str], what: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise LayerError(f"{what} failed (pip exit {done.returncode}):\n{tail}")


def pip_environ(cache_dir: str | None = None) -> dict[str, str]:
    """The environment pip runs in: quiet, non-interactive, reproducible wheels."""
    env = dict(os.environ)
    env.update(
        {
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "SOURCE_DATE_EPOCH": "315532800",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("PYTHONPATH", None)
    if cache_dir:
        env["PIP_CACHE_DIR"] = cache_dir
    return env


def build_wheel(source: Path, outdir: Path, *, cache_dir: str | None = None) -> Path:
    """Build lambent's wheel from ``source`` into ``outdir``; return its path."""
    args = ["wheel", "--no-deps", "--quiet", "--wheel-dir", str(outdir), str(source)]
    if importlib.util.find_spec("hatchling") is not None:
        args.insert(1, "--no-build-isolation")  # the build backend is here: no download
    _run_pip(args, env=pip_environ(cache_dir), what=f"building lambent's wheel from {source}")
    wheels = sorted(outdir.glob("lambent-*.whl"))
    if len(wheels) != 1:
        raise LayerError(f"expected one lambent wheel in {outdir}, found {len(wheels)}")
    return wheels[0]


def install(
    target: Target,
    requirements: Sequence[str],
    dest: Path,
    *,
    cache_dir: str | None = None,
) -> tuple[Wheel, ...]:
    """Install ``requirements`` for ``target`` into ``dest``; return the wheels used."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lambent-pip-") as tmp:
        report = Path(tmp) / "report.json"
        args = [
            "-c",
            _PIP_LAUNCHER,
            json.dumps(target.marker_environment()),
            "install",
            "--quiet",
            "--target",
            str(dest),
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            target.python,
            *(arg for platform in target.platforms for arg in ("--platform", platform)),
            "--no-compile",
            "--no-warn-script-location",
            "--report",
            str(report),
            *requirements,
        ]
        done = subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=pip_environ(cache_dir),
            check=False,
        )
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise LayerError(
                f"pip could not install {' '.join(requirements)} for {target.runtime} "
                f"{target.arch} from wheels ({', '.join(target.platforms)}):\n{tail}"
            )
        doc = json.loads(report.read_text(encoding="utf-8"))
    used = doc.get("environment", {})
    if used.get("python_version") != target.python:
        raise LayerError(
            "this pip ignored the target's marker environment "
            f"(it resolved for Python {used.get('python_version')}, not {target.python}); "
            "dependencies may be wrong, so the layer was not built"
        )
    return tuple(sorted((_wheel(item) for item in doc["install"]), key=lambda w: w.name))


def _wheel(item: dict[str, Any]) -> Wheel:
    info = item["download_info"]
    filename = str(info["url"]).rsplit("/", 1)[-1]
    hashes = info.get("archive_info", {}).get("hashes", {})
    meta = item["metadata"]
    return Wheel(
        name=str(meta["name"]).lower().replace("_", "-"),
        version=str(meta["version"]),
        filename=filename,
        tags=wheel_tags(filename),
        sha256=hashes.get("sha256"),
    )
