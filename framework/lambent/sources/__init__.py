"""Event sources: one module per source, and the ordered registry that detects them.

Detection runs the modules' ``detect`` functions in the order of ``_ORDER``
(LAMBDA.md §6: the first match is right; more specific shapes come first).
Modules are imported on first use, not when ``lambent`` is imported.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from lambent.sources._base import SourceSpec

#: every kind lambent names (DESIGN.md "Source kinds")
KINDS: tuple[str, ...] = (
    "sqs", "sns", "s3", "dynamodb-stream", "kinesis-stream", "kafka", "mq", "firehose",
    "apigw-rest", "apigw-http", "apigw-websocket", "apigw-authorizer", "function-url", "alb",
    "ses", "cloudfront", "eventbridge", "schedule", "cloudwatch-logs", "direct",
)  # fmt: skip

#: source modules in detection order
_ORDER: tuple[str, ...] = (
    "sqs",
    "sns",
    "s3",
    "dynamodb",
    "kinesis",
    "ses",
    "cloudfront",
    "cloudwatch_logs",
    "kafka",
    "mq",
    "firehose",
    "alb",
    "apigw_authorizer",
    "function_url",
    "apigw_http",
    "apigw_websocket",
    "apigw_rest",
    "schedule",
    "eventbridge",
)

_specs: tuple[SourceSpec[Any, Any], ...] | None = None
_by_kind: dict[str, SourceSpec[Any, Any]] = {}


def module(name: str) -> ModuleType:
    """The source module ``lambent.sources.<name>``."""
    return importlib.import_module(f"lambent.sources.{name}")


def specs() -> tuple[SourceSpec[Any, Any], ...]:
    """Every source spec, in detection order (imports the source modules once)."""
    global _specs
    if _specs is None:
        found: list[SourceSpec[Any, Any]] = []
        for name in _ORDER:
            found.extend(module(name).SPECS)
        _specs = tuple(found)
        for spec in found:
            _by_kind.setdefault(spec.kind, spec)
    return _specs


def spec_for(event: Any) -> SourceSpec[Any, Any] | None:
    """The spec of the source that delivered ``event``; None for a direct invocation."""
    if not isinstance(event, dict):
        return None
    for spec in _specs or specs():
        required = spec.requires
        if required is not None and required not in event:
            continue
        if spec.detect(event):
            return spec
    return None


def detect(event: Any) -> str:
    """The kind (one word of :data:`KINDS`) of the outermost envelope of ``event``."""
    spec = spec_for(event)
    return "direct" if spec is None else spec.kind


__all__ = ["KINDS", "SourceSpec", "detect", "module", "spec_for", "specs"]
