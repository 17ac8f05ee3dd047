"""Fixtures for the layer tests: layers built once per session, target Pythons, an ``/opt``.

Builds download wheels from PyPI into a pip cache kept in the virtualenv
(``.venv/.layer-pip-cache``), so later sessions only read it.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lambent._layer import BuildOptions, BuildResult, Target, build_layer
from lambent._layer.install import install
from lambent._layer.target import find_interpreter

REPO = Path(__file__).resolve().parents[2]
APP_DIR = Path(__file__).resolve().parent / "app_dir"
PIP_CACHE = str(REPO / ".venv" / ".layer-pip-cache")

BuildLayer = Callable[..., BuildResult]


@pytest.fixture(scope="session")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of lambent's source tree, so edits during the session change no build."""
    snapshot = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, snapshot / name)
    shutil.copytree(
        REPO / "framework" / "lambent",
        snapshot / "framework" / "lambent",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return snapshot


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory, source: Path) -> BuildLayer:
    """``build(python=, arch=, extras=, compile=, copy=0)``: a layer, built once per session.

    ``copy`` builds the same layer again into another file (for reproducibility).
    """
    built: dict[tuple[object, ...], BuildResult] = {}
    folder = tmp_path_factory.mktemp("layers")

    def get(
        python: str = "3.12",
        arch: str = "x86_64",
        extras: tuple[str, ...] = (),
        compile: bool = False,
        copy: int = 0,
    ) -> BuildResult:
        key = (python, arch, extras, compile, copy)
        if key not in built:
            interpreter = None
            if compile:
                interpreter = find_interpreter(python)
                if interpreter is None:
                    pytest.skip(f"no Python {python} here to write its bytecode")
            name = f"layer-{python}-{arch}-{'-'.join(extras) or 'core'}"
            name += f"{'-pyc' if compile else ''}-{copy}.zip"
            options = BuildOptions(
                output=folder / name,
                compile=compile,
                interpreter=interpreter,
                source=source,
                cache_dir=PIP_CACHE,
            )
            built[key] = build_layer(Target(python=python, arch=arch, extras=extras), options)
        return built[key]

    return get


def target_python(version: str) -> str:
    """An interpreter of ``version`` (``PATH`` or ``~/.pyenv``), or skip the test saying so."""
    found = find_interpreter(version)
    if found is None:
        pytest.skip(
            f"Python {version} is not installed here (no python{version} on PATH "
            f"nor ~/.pyenv/versions/{version}.*)"
        )
    return found


@pytest.fixture(scope="session")
def runtime_client(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``runtime_client("3.12")``: a folder with awslambdaric installed for that runtime.

    awslambdaric is the runtime, not part of the layer: like ``/var/runtime`` in Lambda
    it is installed separately, from wheels for the target Python and platform.
    """
    folders: dict[str, Path] = {}

    def get(python: str) -> Path:
        if python not in folders:
            dest = tmp_path_factory.mktemp(f"runtime-{python}")
            install(Target(python=python), ["awslambdaric"], dest, cache_dir=PIP_CACHE)
            folders[python] = dest
        return folders[python]

    return get


def unzip(zip_path: Path, opt: Path) -> Path:
    """Extract a layer as Lambda does, into ``opt`` (standing in for ``/opt``)."""
    opt.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(opt)
    return opt


def layer_path(opt: Path, python: str) -> list[str]:
    """The layer's entries of ``sys.path``, in Lambda's order (LAMBDA.md §3.6)."""
    return [str(opt / f"python/lib/python{python}/site-packages"), str(opt / "python")]
