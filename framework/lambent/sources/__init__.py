"""Event sources: one module per source, and the one ordered registry that detects them.

:data:`SOURCES` lists the built-in source modules in detection order (LAMBDA.md §6: the
first match is right; more specific shapes come first) with the kinds each declares;
:data:`KINDS` derives from it. :func:`register` puts a user's own source (any
:class:`EventSource`) ahead of the built-ins. Modules are imported on first use, not
when ``lambent`` is imported.

Each entry also names the top-level keys one of which an event must have for the
module's sources to claim it, so detection imports only the modules that could claim
the event in hand (an HTTP request never imports the SQS or Kafka modules).

A function meets few event shapes, so the detectors that can claim a shape (those whose
required key it has) are remembered by its keys: the next event of that shape runs only
them, in the same order, instead of testing every source's required key again. An
app's HTTP sources get a detector of their own at its freeze (:func:`detector`, made by
:mod:`._detector`), which skips the sources whose keys their requests never carry.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any, NamedTuple

import msgspec

from lambent._errors import ConfigurationError
from lambent.sources import _detector
from lambent.sources._base import RequestLine, SourceSpec
from lambent.sources._detector import detection_failed
from lambent.sources._match import Filter, glob_filter
from lambent.sources._protocol import EventSource


class Source(NamedTuple):
    """A built-in source module: ``lambent.sources.<module>``, the kinds its ``SPECS``
    declare, and (for ``response="http"`` sources) the web role they declare, so that the
    web router loads only the modules of a role."""

    module: str
    kinds: tuple[str, ...]
    web: str | None = None
    #: an event this module's sources claim has one of these top-level keys (``None``:
    #: any event may be theirs; checked by tests against each module's ``requires`` and
    #: the corpus); listing the keys its events always carry also names the modules
    #: detection asks before it (:func:`_ahead_of`)
    keys: tuple[str, ...] | None = None


#: built-in source modules in detection order (DESIGN.md "Source kinds")
SOURCES: tuple[Source, ...] = (
    Source("sqs", ("sqs",), keys=("Records",)),
    Source("sns", ("sns",), keys=("Records",)),
    Source("s3", ("s3",), keys=("Records", "Service")),
    Source("dynamodb", ("dynamodb-stream",), keys=("Records",)),
    Source("kinesis", ("kinesis-stream",), keys=("Records",)),
    Source("ses", ("ses",), keys=("Records",)),
    Source("cloudfront", ("cloudfront",), "edge", ("Records",)),
    Source("cloudwatch_logs", ("cloudwatch-logs",), keys=("awslogs",)),
    Source("kafka", ("kafka",), keys=("records",)),
    Source("mq", ("mq",), keys=("messages", "rmqMessagesByQueue")),
    Source("firehose", ("firehose",), keys=("records",)),
    Source("alb", ("alb",), "request", ("requestContext",)),
    Source("apigw_authorizer", ("apigw-authorizer",), "authorizer", ("routeArn", "methodArn")),
    Source("function_url", ("function-url",), "request", ("rawPath", "requestContext")),
    Source("apigw_http", ("apigw-http",), "request", ("rawPath", "requestContext")),
    Source("apigw_websocket", ("apigw-websocket",), "websocket", ("requestContext",)),
    Source("apigw_rest", ("apigw-rest",), "request", ("httpMethod", "requestContext")),
    Source("schedule", ("schedule",), keys=("detail-type",)),
    Source("eventbridge", ("eventbridge",), keys=("detail-type",)),
    Source("cognito", ("cognito",), keys=("triggerSource",)),
    Source("appsync", ("appsync",), keys=("arguments",)),
    Source("cloudformation", ("cloudformation",), keys=("RequestType",)),
    Source("s3_batch", ("s3-batch",), keys=("invocationSchemaVersion",)),
    Source("bedrock_agent", ("bedrock-agent",), keys=("messageVersion",)),
)


#: every kind lambent names: the built-in sources' kinds, then ``"direct"`` (an event no
#: source claims)
KINDS: tuple[str, ...] = (*(kind for entry in SOURCES for kind in entry.kinds), "direct")

_MODULE_OF: dict[str, str] = {kind: entry.module for entry in SOURCES for kind in entry.kinds}

#: sources registered by the user, in registration order (detected before the built-ins)
_user: tuple[EventSource, ...] = ()
#: the specs of each entry of ``SOURCES``, once its module is imported
_module_specs: list[tuple[EventSource, ...] | None] = [None] * len(SOURCES)
#: the sources that may claim an event, by the event's keys (in detection order), and
#: whether that list is whole; when it is not, it is the start of the whole list (it
#: stops before the first module not yet imported). Bounded: past the bound, further
#: shapes are scanned every time.
_candidates: dict[tuple[str, ...], tuple[tuple[EventSource, ...], bool]] = {}
_MAX_SHAPES = 64
#: bumped when the user sources change (detectors made before then fall back to
#: :func:`spec_for`)
_generation = 0


def module(name: str) -> ModuleType:
    """The source module ``lambent.sources.<name>``."""
    return importlib.import_module(f"lambent.sources.{name}")


def register(source: EventSource) -> None:
    """Add a user-defined source, detected before every built-in one (user sources are
    tried in registration order).

    Its ``kind`` must be new; routes for it are added with ``app.on(kind, ...)``.
    """
    global _user
    missing = [name for name in _MEMBERS if not hasattr(source, name)]
    if missing:
        raise ConfigurationError(
            f"{source!r:.80} is not an event source: it has no {', '.join(missing)} "
            "(a SourceSpec has every member of EventSource)"
        )
    if not isinstance(source.kind, str) or not source.kind:
        raise ConfigurationError(f"a source's kind must be a non-empty str, not {source.kind!r}")
    if source.kind in _MODULE_OF or source.kind == "direct":
        raise ConfigurationError(f"source kind {source.kind!r} is built in; choose another")
    if any(s.kind == source.kind and s is not source for s in _user):
        raise ConfigurationError(f"a source of kind {source.kind!r} is already registered")
    if source not in _user:
        _user = (*_user, source)
    _changed()


#: what :func:`register` checks a source has: every member of :class:`EventSource`
_MEMBERS = tuple(sorted(name for name in dir(EventSource) if not name.startswith("_")))


def unregister(source: EventSource) -> None:
    """Remove a source added with :func:`register` (tests)."""
    global _user
    _user = tuple(s for s in _user if s is not source)
    _changed()


def _changed() -> None:
    global _generation
    _generation += 1
    _candidates.clear()


def kinds() -> tuple[str, ...]:
    """The registered user kinds, then :data:`KINDS`."""
    return (*(s.kind for s in _user), *KINDS)


def load(kind: str) -> tuple[EventSource, ...]:
    """The sources of ``kind`` (empty when lambent knows no such kind)."""
    for index, entry in enumerate(SOURCES):
        if kind in entry.kinds:
            return _specs_of(index)
    return tuple(s for s in _user if s.kind == kind)


def web(role: str) -> tuple[EventSource, ...]:
    """The sources whose events the web router handles in ``role`` (``"request"``,
    ``"websocket"``, ``"authorizer"``, ``"edge"``): user sources first.

    Also imports the modules detection asks before them about their events (see
    :func:`_ahead_of`): the web routes are being defined, so that import work happens
    while the app is defined, not in its first request. (Record sources do not: in an
    app with several, the modules one kind's events need would cost the others' cold
    start; detection imports them with the first event that needs them.)"""
    found = [s for s in _user if s.web is not None and s.web.role == role]
    for index, entry in enumerate(SOURCES):
        if entry.web == role:
            _ahead_of(index)
            found += _specs_of(index)
    return tuple(found)


def _ahead_of(index: int) -> None:
    """Import the modules before ``SOURCES[index]`` in detection order that share one of
    its keys: their detectors run on its events (an HTTP API request is also asked
    whether it is an ALB or a WebSocket event) before its own says yes."""
    keys = SOURCES[index].keys
    for earlier in range(index):
        other = SOURCES[earlier].keys
        if keys is None or other is None or not set(keys).isdisjoint(other):
            _specs_of(earlier)


def _specs_of(index: int) -> tuple[EventSource, ...]:
    """The specs of ``SOURCES[index]``, importing its module the first time."""
    found = _module_specs[index]
    if found is None:
        found = _module_specs[index] = tuple(module(SOURCES[index].module).SPECS)
    return found


def specs() -> tuple[EventSource, ...]:
    """Every source, in detection order (imports the source modules once)."""
    return (*_user, *(spec for i in range(len(SOURCES)) for spec in _specs_of(i)))


def generation() -> int:
    """Changes whenever the user sources do: what was worked out from the registry under
    another generation may no longer hold."""
    return _generation


def first_claimant(spec: EventSource, key: str) -> bool:
    """Whether detection asks ``spec`` first about an event whose only top-level key is
    ``key``: no source before it may claim one (until :func:`generation` changes)."""
    event = {key: None}
    built_in = (
        other
        for index, entry in enumerate(SOURCES)
        if entry.keys is None or key in entry.keys
        for other in _specs_of(index)  # imported only up to ``spec``'s own module
    )
    for other in itertools.chain(_user, built_in):
        if other is spec:
            return True
        if _may_claim(other, event):
            return False
    return False


def _may_claim(spec: EventSource, event: dict[str, Any]) -> bool:
    return not spec.array and (spec.requires is None or spec.requires in event)


def _scan(event: dict[str, Any]) -> tuple[EventSource | None, tuple[EventSource, ...], bool]:
    """The ordered scan: the source of ``event``, and the candidates of its shape (whole,
    or up to the first module left unimported once the source was found)."""
    candidates = [s for s in _user if _may_claim(s, event)]
    found = None
    for spec in candidates:
        if _detects(spec, event):
            found = spec
            break
    for index, entry in enumerate(SOURCES):
        if entry.keys is not None and not any(key in event for key in entry.keys):
            continue
        if found is not None and _module_specs[index] is None:
            return found, tuple(candidates), False
        for spec in _specs_of(index):
            if _may_claim(spec, event):
                candidates.append(spec)
                if found is None and _detects(spec, event):
                    found = spec
    return found, tuple(candidates), True


def _detects(spec: EventSource, event: dict[str, Any]) -> bool:
    """``spec.detect(event)``; what it raises is :func:`detection_failed`'s error."""
    try:
        return bool(spec.detect(event))
    except Exception as exc:
        raise detection_failed(spec, exc) from exc


def spec_for(event: Any) -> EventSource | None:
    """The source that delivered ``event``; None for a direct invocation.

    A source module is imported when detection reaches it and the event has one of its
    keys, so an event imports only the modules that could claim it, up to its own.
    """
    if not isinstance(event, dict):
        return _array_source(event) if type(event) is list else None
    shape = tuple(event)
    cached = _candidates.get(shape)
    if cached is not None:
        candidates, whole = cached
        try:
            for spec in candidates:
                if spec.detect(event):
                    return spec
        except Exception as exc:  # costs nothing until a detector raises
            raise detection_failed(spec, exc) from exc
        if whole:
            return None
    found, candidates, whole = _scan(event)
    if len(_candidates) < _MAX_SHAPES or shape in _candidates:
        _candidates[shape] = (candidates, whole)
    return found


def detector(targets: Collection[EventSource]) -> Callable[[dict[str, Any]], Any]:
    """``decide(event)`` for a dict event: always :func:`spec_for`'s answer, found with
    less work when the event is one of ``targets`` (an app's HTTP sources). Made once
    (an app's freeze) from the registry as it is then
    (:func:`lambent.sources._detector.detector`); once the registry changes,
    :func:`spec_for` answers."""
    return _detector.detector(
        targets,
        user=_user,
        entries=SOURCES,
        specs_of=_specs_of,
        spec_for=spec_for,
        generation=generation,
    )


def certain_reader(spec: EventSource) -> Callable[[dict[str, Any]], RequestLine | None] | None:
    """``read(event)``: the request line of a dict event when the registry's detection
    would answer ``spec`` for it (the source's :attr:`~lambent.sources._base.WebSpec.certain`),
    else None; None at once while a user source is registered (detected first, its
    detector may read anything). None when ``spec`` has no such reading."""
    web = spec.web
    certain = None if web is None else web.certain
    if certain is None:
        return None

    def read(event: dict[str, Any]) -> RequestLine | None:
        return None if _user else certain(event)

    return read


def line_reader(spec: EventSource) -> Callable[[bytes], RequestLine | None] | None:
    """``read(body)`` for the invocation bytes of ``spec``'s requests: the request line of
    ``body`` when the registry's detection would answer ``spec`` for it (decoded into the
    source's :attr:`~lambent.sources._base.WebSpec.from_bytes` Struct, which says so for
    the built-in sources), else None; None at once while a user source is registered
    (detected first, its detector may read anything). None when ``spec`` has no such
    Struct."""
    web = spec.web
    found = None if web is None else web.from_bytes
    if found is None:
        return None
    event_type, line_of = found
    decode = msgspec.json.Decoder(event_type).decode

    def read(body: bytes) -> RequestLine | None:
        if _user:
            return None
        if not body.isascii():  # the Struct skips text it does not hold: check it here
            try:
                body.decode()
            except UnicodeDecodeError:
                return None  # the full decoding says why
        try:
            view = decode(body)
        except msgspec.DecodeError:  # not JSON, or not an object: the full decoding says
            return None
        return line_of(view)

    return read


def _array_source(event: list[Any]) -> EventSource | None:
    """The source of a top-level JSON array (``array`` sources; judged by its first
    element), or None."""
    first = event[0] if event else None
    if not isinstance(first, dict):
        return None
    for spec in specs():
        if (
            spec.array
            and (spec.requires is None or spec.requires in first)
            and _detects(spec, first)
        ):
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
    "Filter",
    "Source",
    "SourceSpec",
    "detect",
    "detector",
    "glob_filter",
    "kinds",
    "load",
    "module",
    "register",
    "spec_for",
    "specs",
    "unregister",
    "web",
]
