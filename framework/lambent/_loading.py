"""Loading an app named by a string: ``module:attribute``, ``module`` or ``path/to/file.py[:attr]``.

Shared by the command line and the local emulator (:mod:`lambent._local`), so neither
imports the other. Every way a name can fail to load (no such file, no such module, an
error while the module runs, no such attribute) raises :class:`AppLoadError`, one
sentence naming the cause; the original exception is chained for ``--debug``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import sysconfig
from pathlib import Path
from typing import Any

from lambent._errors import ConfigurationError


class AppLoadError(ConfigurationError):
    """The app named on the command line (or in a worker's environment) did not load."""


def app_file(target: str) -> Path | None:
    """The file a target names (``path.py[:attr]``), or ``None`` for a module name."""
    spec = target.partition(":")[0]
    if spec.endswith(".py") or "/" in spec:
        return Path(spec).resolve()
    return None


def load_object(target: str, default_attr: str = "app") -> Any:
    """Import ``module:attr`` (``attr`` defaults to ``app``) or ``path/to/file.py[:attr]``."""
    spec, _, attr = target.partition(":")
    attr = attr or default_attr
    path = app_file(target)
    try:
        module = _import_file(spec, path) if path is not None else _import_module(spec)
    except ConfigurationError:
        raise
    except BaseException as exc:  # a module's sys.exit() or own BaseException too
        where = raised_at(exc)
        raise AppLoadError(
            f"cannot import {spec}: {type(exc).__name__}: {exc}"
            + ("" if where is None else f" (at {where})")
        ) from exc
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise AppLoadError(f"{spec} has no attribute {attr!r}") from None
    return obj


def _not_the_apps() -> tuple[str, ...]:
    """Where code that is not the app's lives: lambent itself, the standard library,
    installed packages."""
    paths = {str(Path(p).resolve()) for k, p in sysconfig.get_paths().items() if "lib" in k}
    return (str(Path(__file__).resolve().parent), *paths)


def raised_at(exc: BaseException) -> str | None:
    """``path:line`` of the innermost frame of ``exc``'s traceback in the app's own code
    (else in any file: a library's), the path relative to the working directory when
    under it; None when no frame has a file (the import system's own)."""
    own = other = None
    libraries = _not_the_apps()
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not name.startswith("<"):
            other = (name, tb.tb_lineno)
            if not str(Path(name).resolve()).startswith(libraries):
                own = other
        tb = tb.tb_next
    found = own or other
    if found is None:
        return None
    path = Path(found[0])
    try:
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return f"{shown}:{found[1]}"


def _import_file(spec: str, path: Path) -> Any:
    if not path.is_file():
        raise AppLoadError(f"no such file: {spec}")
    name = path.stem
    sys.path.insert(0, str(path.parent))
    loader = importlib.util.spec_from_file_location(name, path)
    if loader is None or loader.loader is None:
        raise AppLoadError(f"cannot import {spec}")
    module = importlib.util.module_from_spec(loader)
    sys.modules[name] = module
    loader.loader.exec_module(module)
    return module


def _import_module(spec: str) -> Any:
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        # the app's module (or a package on its way) is missing, not a module it imports
        if exc.name is not None and (spec == exc.name or spec.startswith(exc.name + ".")):
            raise AppLoadError(f"no module named {spec!r}") from exc
        raise


def source_dir(target: str) -> Path:
    """The folder holding the app's code, to watch for changes (without importing it)."""
    path = app_file(target)
    if path is not None:
        return path.parent
    top = target.partition(":")[0].split(".")[0]
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return Path.cwd()
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else Path.cwd()
