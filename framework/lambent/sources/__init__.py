"""Event sources: one module per source, and the one ordered registry that detects them.

:data:`SOURCES` lists the built-in source modules in detection order (LAMBDA.md §6: the
first match is right; more specific shapes come first) with the kinds each declares;
:data:`KINDS` derives from it. :func:`register` puts a user's own source (any
:class:`EventSource`) ahead of the built-ins. Modules are imported on first use, not
when ``lambent`` is imported.

A function meets few event shapes, so the detectors that can claim a shape (those whose
required key it has) are remembered by its keys: the next event of that shape runs only
them, in the same order, instead of testing every source's required key again.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, NamedTuple

from lambent._errors import ConfigurationError
from lambent.sources._base import SourceSpec
from lambent.sources._protocol import EventSource


class Source(NamedTuple):
    """A built-in source module: ``lambent.sources.<module>``, the kinds its ``SPECS``
    declare, and (for ``response="http"`` sources) the web role they declare, so that the
    web router loads only the modules of a role."""

    module: str
    kinds: tuple[str, ...]
    web: str | None = None


#: built-in source modules in detection order (DESIGN.md "Source kinds")
SOURCES: tuple[Source, ...] = (
    Source("sqs", ("sqs",)),
    Source("sns", ("sns",)),
    Source("s3", ("s3",)),
    Source("dynamodb", ("dynamodb-stream",)),
    Source("kinesis", ("kinesis-stream",)),
    Source("ses", ("ses",)),
    Source("cloudfront", ("cloudfront",), "edge"),
    Source("cloudwatch_logs", ("cloudwatch-logs",)),
    Source("kafka", ("kafka",)),
    Source("mq", ("mq",)),
    Source("firehose", ("firehose",)),
    Source("alb", ("alb",), "request"),
    Source("apigw_authorizer", ("apigw-authorizer",), "authorizer"),
    Source("function_url", ("function-url",), "request"),
    Source("apigw_http", ("apigw-http",), "request"),
    Source("apigw_websocket", ("apigw-websocket",), "websocket"),
    Source("apigw_rest", ("apigw-rest",), "request"),
    Source("schedule", ("schedule",)),
    Source("eventbridge", ("eventbridge",)),
    Source("cognito", ("cognito",)),
    Source("appsync", ("appsync",)),
    Source("cloudformation", ("cloudformation",)),
    Source("s3_batch", ("s3-batch",)),
    Source("bedrock_agent", ("bedrock-agent",)),
)

#: every kind lambent names: the built-in sources' kinds, then ``"direct"`` (an event no
#: source claims)
KINDS: tuple[str, ...] = (*(kind for entry in SOURCES for kind in entry.kinds), "direct")

_MODULE_OF: dict[str, str] = {kind: entry.module for entry in SOURCES for kind in entry.kinds}

#: sources registered by the user, in registration order (detected before the built-ins)
_user: tuple[EventSource, ...] = ()
#: specs of the built-in modules imported so far, in detection order
_loaded: tuple[EventSource, ...] = ()
#: how many modules of ``SOURCES`` are imported
_modules_loaded = 0
#: the sources that may claim an event, by the event's keys (in order); cleared when a
#: module loads. Bounded: past the bound, further shapes are scanned every time.
_candidates: dict[tuple[str, ...], tuple[EventSource, ...]] = {}
_MAX_SHAPES = 64


def module(name: str) -> ModuleType:
    """The source module ``lambent.sources.<name>``."""
    return importlib.import_module(f"lambent.sources.{name}")


def register(source: EventSource) -> None:
    """Add a user-defined source, detected before every built-in one (user sources are
    tried in registration order).

    Its ``kind`` must be new; routes for it are added with ``app.on(kind, ...)``.
    """
    global _user
    if source.kind in _MODULE_OF or source.kind == "direct":
        raise ConfigurationError(f"source kind {source.kind!r} is built in; choose another")
    if any(s.kind == source.kind and s is not source for s in _user):
        raise ConfigurationError(f"a source of kind {source.kind!r} is already registered")
    if source not in _user:
        _user = (*_user, source)
    _candidates.clear()


def unregister(source: EventSource) -> None:
    """Remove a source added with :func:`register` (tests)."""
    global _user
    _user = tuple(s for s in _user if s is not source)
    _candidates.clear()


def kinds() -> tuple[str, ...]:
    """The registered user kinds, then :data:`KINDS`."""
    return (*(s.kind for s in _user), *KINDS)


def load(kind: str) -> tuple[EventSource, ...]:
    """The sources of ``kind`` (empty when lambent knows no such kind)."""
    name = _MODULE_OF.get(kind)
    if name is not None:
        found: tuple[EventSource, ...] = tuple(module(name).SPECS)
        return found
    return tuple(s for s in _user if s.kind == kind)


def web(role: str) -> tuple[EventSource, ...]:
    """The sources whose events the web router handles in ``role`` (``"request"``,
    ``"websocket"``, ``"authorizer"``, ``"edge"``): user sources first."""
    found = [s for s in _user if s.web is not None and s.web.role == role]
    for entry in SOURCES:
        if entry.web == role:
            found += module(entry.module).SPECS
    return tuple(found)


def _load_next() -> tuple[EventSource, ...]:
    """Import the next source module in detection order; its specs (empty when all are in)."""
    global _loaded, _modules_loaded
    if _modules_loaded >= len(SOURCES):
        return ()
    new: tuple[EventSource, ...] = tuple(module(SOURCES[_modules_loaded].module).SPECS)
    _loaded += new
    _modules_loaded += 1
    _candidates.clear()
    return new


def specs() -> tuple[EventSource, ...]:
    """Every source, in detection order (imports the source modules once)."""
    while _load_next():
        pass
    return (*_user, *_loaded)


def _scan(candidates: tuple[EventSource, ...], event: dict[str, Any]) -> EventSource | None:
    for spec in candidates:
        required = spec.requires
        if spec.array or (required is not None and required not in event):
            continue
        if spec.detect(event):
            return spec
    return None


def spec_for(event: Any) -> EventSource | None:
    """The source that delivered ``event``; None for a direct invocation.

    Source modules are imported as detection reaches them, so an event of the first
    sources in the order (SQS first) imports only what it needs.
    """
    if not isinstance(event, dict):
        return _array_source(event) if type(event) is list else None
    shape = tuple(event)
    candidates = _candidates.get(shape)
    if candidates is None:
        candidates = tuple(
            s
            for s in (*_user, *_loaded)
            if not s.array and (s.requires is None or s.requires in event)
        )
        if len(_candidates) < _MAX_SHAPES:
            _candidates[shape] = candidates
    found = None
    for spec in candidates:
        if spec.detect(event):
            found = spec
            break
    while found is None and _modules_loaded < len(SOURCES):
        found = _scan(_load_next(), event)
    return found


def _array_source(event: list[Any]) -> EventSource | None:
    """The source of a top-level JSON array (``array`` sources; judged by its first
    element), or None."""
    first = event[0] if event else None
    if not isinstance(first, dict):
        return None
    for spec in specs():
        if spec.array and (spec.requires is None or spec.requires in first) and spec.detect(first):
            return spec
    return None


def detect(event: Any) -> str:
    """The kind (one word of :func:`kinds`) of the outermost envelope of ``event``."""
    spec = spec_for(event)
    return "direct" if spec is None else spec.kind


__all__ = [
    "KINDS",
    "SOURCES",
    "EventSource",
    "Source",
    "SourceSpec",
    "detect",
    "kinds",
    "load",
    "module",
    "register",
    "spec_for",
    "specs",
    "unregister",
    "web",
]
