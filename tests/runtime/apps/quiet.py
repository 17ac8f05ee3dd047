"""Plain handlers in a module that does not import ``logging``: it is loaded late, if at all."""

from __future__ import annotations

import sys
from typing import Any


def loaded(event: Any, context: Any) -> Any:
    """Which of the modules named in the event this process has imported."""
    return {name: name in sys.modules for name in event["modules"]}


def logs_late(event: Any, context: Any) -> Any:
    """Imports ``logging`` in the invocation (the first import in this process) and logs."""
    import logging

    logging.getLogger("late").warning("said %s", event["word"])
    return {"handlers": len(logging.getLogger().handlers)}
