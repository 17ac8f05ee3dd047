"""Loads ``logging`` at import past ``sys.meta_path`` (as some import hooks do), then logs."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from typing import Any

_spec = importlib.util.spec_from_file_location(
    "logging", f"{sysconfig.get_paths()['stdlib']}/logging/__init__.py"
)
assert _spec is not None and _spec.loader is not None
logging = importlib.util.module_from_spec(_spec)
sys.modules["logging"] = logging
_spec.loader.exec_module(logging)


def says(event: Any, context: Any) -> Any:
    logging.getLogger("own").warning("said %s", event["word"])
    return {"handlers": len(logging.getLogger().handlers)}
