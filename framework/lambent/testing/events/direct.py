"""A direct invocation: the payload a caller sends with ``Invoke``, as the function gets it.

>>> from lambent.testing import direct_event
>>> direct_event({"action": "greet", "name": "Ada"})
{'action': 'greet', 'name': 'Ada'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambent.testing.events._common import When


def direct_event(
    payload: Mapping[str, Any] | None = None, *, seed: int | None = None, at: When = None
) -> dict[str, Any]:
    """The event of a direct ``Invoke``: a copy of ``payload`` (``{}`` when not given).

    ``seed`` and ``at`` are accepted as by every factory; a payload has no ids or time.
    """
    del seed, at
    return dict(payload or {})
