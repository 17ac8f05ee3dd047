"""A handler whose SnapStart hook fails: ``SNAP_FAILS=before`` or ``after`` says which."""

from __future__ import annotations

import os
from typing import Any

from lambent.runtime import after_restore, before_snapshot


@before_snapshot
def close_pool() -> None:
    if os.environ.get("SNAP_FAILS") == "before":
        raise OSError("the pool would not close")


@after_restore
async def reopen_pool() -> None:
    if os.environ.get("SNAP_FAILS") == "after":
        raise ConnectionError("the pool would not open")


def handler(event: Any, context: Any) -> Any:
    return event
