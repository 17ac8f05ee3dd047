"""Reading finished OpenTelemetry spans in tests: the SDK types a span's attributes and
parent as optional, and a span lambent ends always has both (a record span its parent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext


def attribute(span: ReadableSpan, name: str) -> Any:
    """The span's attribute ``name`` (KeyError when it has none)."""
    assert span.attributes is not None, f"{span.name} has no attributes"
    return span.attributes[name]


def parent(span: ReadableSpan) -> SpanContext:
    """The context of the span's parent, which it must have."""
    assert span.parent is not None, f"{span.name} has no parent"
    return span.parent
