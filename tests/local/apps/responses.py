"""Handlers whose responses test the limits: one of a chosen size, one no JSON encodes."""

from __future__ import annotations

from typing import Any


def big(event: Any, context: Any) -> Any:
    """Return a JSON string of ``event["chars"]`` characters (plus its two quotes)."""
    return "x" * int(event["chars"])


def unmarshalable(event: Any, context: Any) -> Any:
    """Return something json cannot encode (the runtime's Runtime.MarshalError)."""
    return {"value": object()}
