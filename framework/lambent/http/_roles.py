"""What the web router knows of the sources it serves: asked of the registry by role.

The HTTP-family sources adapt their events to the router: each declares a
:class:`~lambent.sources._base.WebSpec` (its role, route key, the types and names its
handlers can ask for). The router never imports a source module; it asks the registry.
"""

from __future__ import annotations

from typing import Any

from lambent._errors import ConfigurationError
from lambent.sources._base import WebSpec

__all__ = ["role_spec"]


def role_spec(role: str) -> WebSpec:
    """The web spec of the sources of ``role`` (they share one)."""
    from lambent import sources

    found: Any = next((s.web for s in sources.web(role) if s.web is not None), None)
    if found is None:
        raise ConfigurationError(f"no event source serves {role} handlers")
    spec: WebSpec = found
    return spec
