"""Parameters of record, event, direct-invocation and WebSocket handlers.

The route kind's :class:`~lambent._inject.Rules` for :func:`~lambent._inject.resolve_params`
(which already took the context, a logger, ``Metrics`` and provided parameters):
the source's item and event Structs by type, the whole batch (``list[Item]``, or an
unannotated ``records``/``batch``), a tumbling window's ``state``, the source's named
values (DynamoDB's ``old``/``new`` images, ...), and one payload parameter decoded into its
type. :func:`resolve` gives the :class:`~lambent._inject.HandlerPlan` that
:mod:`lambent._calls` builds calls from.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from lambent._decode import build_decoder
from lambent._errors import ConfigurationError
from lambent._inject import HandlerPlan, Param, Slot, SlotRules, resolve_params
from lambent.sources._base import PayloadFormat

__all__ = ["Types", "resolve"]

Types = type[Any] | tuple[type[Any], ...] | None


def _is_type(ann: Any, tp: Types) -> bool:
    """``ann`` names the type ``tp`` (or one of them), a subclass, a Struct base of it,
    or a union of such types (``ActiveMQMessage | RabbitMQMessage``)."""
    if tp is None:
        return False
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(ann) if a is not type(None)]
        return bool(members) and all(_is_type(a, tp) for a in members)
    # types only: an array source's event type is a generic alias (``list[Item]``)
    bases = tuple(t for t in (tp if isinstance(tp, tuple) else (tp,)) if isinstance(t, type))
    if not isinstance(ann, type) or not bases:
        return False
    if issubclass(ann, bases):
        return True
    return (
        issubclass(ann, msgspec.Struct)
        and ann is not msgspec.Struct
        and any(issubclass(t, ann) for t in bases)
    )


def _injectable(item_type: Types, event_type: Types, payload: bool) -> str:
    """What a route's handler parameters may be annotated with, for error messages."""
    names: list[str] = []
    for tp in (item_type, event_type):
        for t in tp if isinstance(tp, tuple) else (tp,) if tp is not None else ():
            # an event read as it came (``dict[str, Any]``) or an array's (``list[...]``)
            # is no annotation a handler can give (``_is_type`` takes classes only), nor
            # is a source's private type
            if typing.get_origin(t) is None and t.__name__[0] != "_" and t.__name__ not in names:
                names.append(t.__name__)
    choices = (["the payload's type"] if payload else []) + names + ["LambdaContext", "Logger"]
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _is_sequence_of(ann: Any, item_type: Types) -> bool:
    if item_type is None:
        return False
    origin = typing.get_origin(ann)
    if origin not in (list, Sequence, tuple):
        return False
    args = typing.get_args(ann)
    return bool(args) and _is_type(args[0], item_type)


class _RecordRules(SlotRules):
    """One handler's parameters on a route of a source (or of direct invocations)."""

    def __init__(
        self,
        item_type: Types,
        event_type: Types,
        payload_format: PayloadFormat,
        allow_payload: bool,
        allow_items: bool,
        named: Mapping[str, Callable[[Any], Any]],
        named_format: PayloadFormat,
        state: bool,
    ) -> None:
        self.item_type, self.event_type = item_type, event_type
        self.payload_format, self.allow_payload = payload_format, allow_payload
        self.allow_items, self.state = allow_items, state
        self.named, self.named_format = named, named_format
        #: the payload parameter so far, and its label
        self.payload: Param | None = None
        self.payload_label = ""
        #: unannotated parameters taken as the payload
        self.bare: set[str] = set()

    def takes(self) -> str:
        return "a record handler declares its payload, its record, the context and a logger"

    def param(self, p: inspect.Parameter, ann: Any, label: str) -> Param:
        keyword = p.kind is p.KEYWORD_ONLY
        declared = None if ann is inspect.Parameter.empty else ann
        typed = Any if declared is None else declared
        slot = self._slot(p.name, ann, label)
        if slot is Slot.PAYLOAD:
            return self._payload(p.name, typed, label, keyword)
        if slot is Slot.NAMED:
            decoder = build_decoder(typed, self.named_format, label)
            return Param(p.name, slot, decoder, self.named[p.name], declared, kw_only=keyword)
        shown = declared if slot is Slot.STATE else None
        return Param(p.name, slot, annotation=shown, kw_only=keyword)

    def _slot(self, name: str, ann: Any, label: str) -> Slot:
        if ann is inspect.Parameter.empty:
            if self.state and name == "state":
                return Slot.STATE
            if self.allow_items and name in ("records", "batch"):
                return Slot.ITEMS
            if name in self.named:
                return Slot.NAMED
            self.bare.add(name)
            return Slot.PAYLOAD
        if _is_type(ann, self.item_type):
            return Slot.ITEM
        if _is_type(ann, self.event_type):
            return Slot.EVENT
        if _is_sequence_of(ann, self.item_type):
            if not self.allow_items:
                raise ConfigurationError(f"{label}: a whole-batch parameter is not allowed here")
            return Slot.ITEMS
        if self.state and name == "state":
            return Slot.STATE
        return Slot.NAMED if name in self.named else Slot.PAYLOAD

    def _payload(self, name: str, ann: Any, label: str, keyword: bool) -> Param:
        payload = self.payload
        missing = label if name in self.bare else None
        if payload is not None and missing is None and payload.name in self.bare:
            missing = self.payload_label
        if missing is not None and (payload is not None or not self.allow_payload):
            raise ConfigurationError(
                f"{missing} has no annotation, so lambent cannot tell what to pass: annotate "
                f"it with {_injectable(self.item_type, self.event_type, self.allow_payload)}"
            )
        if not self.allow_payload:
            raise ConfigurationError(
                f"{label}: unknown annotation {ann!r}; this route's source has no payload "
                f"to decode: annotate it with {_injectable(self.item_type, self.event_type, False)}"
            )
        if payload is not None:
            raise ConfigurationError(
                f"{label}: a second payload parameter (the payload already goes to "
                f"{payload.name!r}); annotate it with a type lambent injects"
            )
        decoder = build_decoder(ann, self.payload_format, label)
        self.payload = Param(name, Slot.PAYLOAD, decoder, None, ann, kw_only=keyword)
        self.payload_label = label
        return self.payload


def resolve(
    fn: Callable[..., Any],
    *,
    where: str,
    item_type: Types,
    event_type: Types,
    payload_format: PayloadFormat = "json",
    allow_payload: bool = True,
    allow_items: bool = False,
    named: Mapping[str, Callable[[Any], Any]] | None = None,
    named_format: PayloadFormat = "python",
    state: bool = False,
) -> HandlerPlan:
    """Resolve ``fn``'s parameters for a route (``where`` names it in errors)."""
    rules = _RecordRules(
        item_type,
        event_type,
        payload_format,
        allow_payload,
        allow_items,
        named or {},
        named_format,
        state,
    )
    found = resolve_params(fn, where, rules)
    slots = frozenset(p.slot for p in found.params)
    if Slot.ITEMS in slots and (Slot.ITEM in slots or Slot.PAYLOAD in slots):
        raise ConfigurationError(
            f"{where}: {found.name} takes the whole batch and a single record; choose one"
        )
    return rules.plan(found, rules.payload)
