"""The Lambda handler worker processes use when the app is not a plain function.

awslambdaric (or lambent.runtime) loads ``lambent._local.shim.handler``; importing this module loads the app
named in ``LAMBENT_LOCAL_APP`` (``module:attr`` or ``path.py:attr``), so a broken app
fails the runtime's init phase exactly as it would in Lambda.
"""

from __future__ import annotations

import os
from typing import Any

from lambent._loading import AppLoadError, load_object

try:
    _app = load_object(os.environ["LAMBENT_LOCAL_APP"])
except AppLoadError as exc:  # the app's own error is what the runtime reports
    if exc.__cause__ is None:
        raise
    raise exc.__cause__ from None
#: the app's own synchronous entry point (``app.handler``), so a runtime that knows lambent
#: (``python -m lambent.runtime``) finds the App behind it
handler: Any = getattr(_app, "handler", None) or _app
