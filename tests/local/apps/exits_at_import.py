"""A handler module whose import raises the ``BaseException`` named by
``$LAMBENT_TEST_IMPORT_RAISES`` (``SystemExit``, ``KeyboardInterrupt`` or ``Abort``, its
own), as a module calling ``sys.exit()`` at import does."""

from __future__ import annotations

import os
from typing import Any

from tests.local.apps.exits import _RAISED

_what = os.environ.get("LAMBENT_TEST_IMPORT_RAISES", "")
if _what:
    raise _RAISED[_what](f"raised {_what} at import")


def handler(event: Any, context: Any) -> Any:
    return {"ok": True}
