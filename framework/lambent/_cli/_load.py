"""Loading an app named on the command line: ``module:attribute``, ``module`` or a file path."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from lambent._errors import ConfigurationError


def load_object(target: str, default_attr: str = "app") -> Any:
    """Import ``module:attr`` (``attr`` defaults to ``app``) or ``path/to/file.py[:attr]``."""
    spec, _, attr = target.partition(":")
    attr = attr or default_attr
    if spec.endswith(".py") or "/" in spec:
        path = Path(spec).resolve()
        if not path.is_file():
            raise ConfigurationError(f"no such file: {spec}")
        name = path.stem
        sys.path.insert(0, str(path.parent))
        loader = importlib.util.spec_from_file_location(name, path)
        if loader is None or loader.loader is None:
            raise ConfigurationError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
    else:
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        module = importlib.import_module(spec)
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise ConfigurationError(f"{spec} has no attribute {attr!r}") from None
    return obj
