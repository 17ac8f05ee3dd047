"""Event sources: one module per source, and the ordered registry that detects them.

Detection runs the modules' ``detect`` functions in the order of ``_ORDER``
(LAMBDA.md §6: the first match is right; more specific shapes come first).
Modules are imported on first use, not when ``lambent`` is imported.

A function meets few event shapes, so the detectors that can claim a shape (those whose
required key it has) are remembered by its keys: the next event of that shape runs only
them, in the same order, instead of testing every source's required key again.
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

#: specs of the modules imported so far, in detection order
_loaded: tuple[SourceSpec[Any, Any], ...] = ()
#: how many modules of ``_ORDER`` are imported
_modules_loaded = 0
_by_kind: dict[str, SourceSpec[Any, Any]] = {}
#: the loaded specs that may claim an event, by the event's keys (in order); cleared when
#: a module loads. Bounded: past the bound, further shapes are scanned every time.
_candidates: dict[tuple[str, ...], tuple[SourceSpec[Any, Any], ...]] = {}
_MAX_SHAPES = 64


def module(name: str) -> ModuleType:
    """The source module ``lambent.sources.<name>``."""
    return importlib.import_module(f"lambent.sources.{name}")


def _load_next() -> tuple[SourceSpec[Any, Any], ...]:
    """Import the next source module in detection order; its specs (empty when all are in)."""
    global _loaded, _modules_loaded
    if _modules_loaded >= len(_ORDER):
        return ()
    new = tuple(module(_ORDER[_modules_loaded]).SPECS)
    for spec in new:
        _by_kind.setdefault(spec.kind, spec)
    _loaded += new
    _modules_loaded += 1
    _candidates.clear()
    return new


def specs() -> tuple[SourceSpec[Any, Any], ...]:
    """Every source spec, in detection order (imports the source modules once)."""
    while _load_next():
        pass
    return _loaded


def _scan(
    candidates: tuple[SourceSpec[Any, Any], ...], event: dict[str, Any]
) -> SourceSpec[Any, Any] | None:
    for spec in candidates:
        required = spec.requires
        if required is not None and required not in event:
            continue
        if spec.detect(event):
            return spec
    return None


def spec_for(event: Any) -> SourceSpec[Any, Any] | None:
    """The spec of the source that delivered ``event``; None for a direct invocation.

    Source modules are imported as detection reaches them, so an event of the first
    sources in the order (SQS first) imports only what it needs.
    """
    if not isinstance(event, dict):
        return None
    shape = tuple(event)
    candidates = _candidates.get(shape)
    if candidates is None:
        candidates = tuple(s for s in _loaded if s.requires is None or s.requires in event)
        if len(_candidates) < _MAX_SHAPES:
            _candidates[shape] = candidates
    found = None
    for spec in candidates:
        if spec.detect(event):
            found = spec
            break
    while found is None and _modules_loaded < len(_ORDER):
        found = _scan(_load_next(), event)
    return found


def detect(event: Any) -> str:
    """The kind (one word of :data:`KINDS`) of the outermost envelope of ``event``."""
    spec = spec_for(event)
    return "direct" if spec is None else spec.kind


__all__ = ["KINDS", "SourceSpec", "detect", "module", "spec_for", "specs"]
