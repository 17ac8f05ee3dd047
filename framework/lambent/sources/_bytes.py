"""Events from the invocation's bytes: detection on a cheap probe, Structs without dicts.

:func:`probe` reads the bytes once into the top-level keys, with each array cut to its
first element (the values a source's ``detect`` looks at) and every other value decoded;
detection runs on that probe. Most large events are one key holding a batch
(``{"Records": [...]}``): :func:`head_probe` reads only the head of the bytes (that key
and the array's first element) and :func:`decode_only_key` decodes the bytes into the
detected source's event Struct while refusing any other top-level key, which proves
the head's probe was the whole probe: one pass over the bytes instead of two. A source's ``decode_bytes`` then decodes the bytes
straight into its event Struct (:func:`decode_struct`, one cached msgspec decoder per
type), never building the dicts ``json.loads`` would. :func:`decode_general` is the
general path any source answers the same as: bytes to Python values, then
``msgspec.convert`` into the Struct, as events from the managed runtime are decoded.
"""

from __future__ import annotations

import functools
import json
import re
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from lambent.sources._protocol import EventSource

_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
#: how much of an array is read to find its first element without msgspec
_HEAD = 64 * 1024


class _First(msgspec.Struct, array_like=True):
    """An array's first element (the rest is skipped, not built)."""

    first: Any = None


_FIRST = msgspec.json.Decoder(_First)
#: reads one JSON value from a position of a string (stateless: shared)
_VALUE = json.JSONDecoder()


@functools.cache
def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp)


def decode_struct(tp: Any, body: bytes) -> Any:
    """``body`` decoded straight into ``tp`` (msgspec errors propagate)."""
    return _decoder(tp).decode(body)


def _first(raw: msgspec.Raw) -> list[Any]:
    """A one-element list holding an array's first element (empty for an empty array)."""
    head = bytes(memoryview(raw)[:_HEAD]).decode("utf-8", "ignore")
    start = head.find("[") + 1
    while start < len(head) and head[start] in " \t\r\n":
        start += 1
    if start >= len(head) or head[start] == "]":
        return []
    try:
        return [_VALUE.raw_decode(head, start)[0]]
    except ValueError:  # the first element is longer than the head
        return [_FIRST.decode(raw).first]


def probe(body: bytes) -> Mapping[str, Any] | None:
    """The event's top level for detection, or ``None`` when it is not a JSON object.

    Raises :class:`msgspec.DecodeError` when the bytes are not JSON at all.
    """
    try:
        top = _TOP.decode(body)
    except msgspec.ValidationError:
        return None
    out: dict[str, Any] = {}
    for key, raw in top.items():
        out[key] = _first(raw) if bytes(memoryview(raw)[:1]) == b"[" else msgspec.json.decode(raw)
    return out


_HEAD_KEY = re.compile(r'\s*\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*\[\s*')
#: the first key of an object, whole, and the first character of its value
_FIRST_KEY = re.compile(r'\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*(\S)')
#: how much of the bytes is read first for the head (a record or two of most batches)
_SHORT_HEAD = 4 * 1024


def head_probe(body: bytes) -> Mapping[str, Any] | None:
    """``{key: [first element]}`` when the bytes start an object whose first key holds an
    array and the head shows that element whole; else None. What follows the array is
    not read: only exact when the object has no other key (see :func:`decode_only_key`).
    The first few kilobytes are read first, the whole head only when the element is
    longer."""
    for size in (_SHORT_HEAD, _HEAD):
        head = bytes(memoryview(body)[:size]).decode("utf-8", "ignore")
        found = _HEAD_KEY.match(head)
        try:
            if found is None:
                first = _FIRST_KEY.match(head)
                if first is not None and first.group(1) != "[":  # the first key holds no array
                    return None
                raise ValueError("no key holding an array at the start of the head")
            key = found.group(1)
            if "\\" in key:
                key = json.loads(f'"{key}"')
            end = found.end()
            if head.startswith("]", end):
                return {key: []}
            return {key: [_VALUE.raw_decode(head, end)[0]]}
        except ValueError:  # a first element longer than the head, or not JSON
            if len(body) <= size:
                return None
    return None


@functools.lru_cache(maxsize=64)
def only_key(tp: Any) -> Any:
    """``tp`` refusing unknown top-level keys, when it has exactly one field (else None)."""
    if len(getattr(tp, "__struct_fields__", ())) != 1:
        return None
    return types.new_class(tp.__name__, (tp,), {"forbid_unknown_fields": True})


#: what :func:`decode_only_key` gives for the route key when the items may differ in it
ANY_KEY: Any = object()


def decode_only_key(source: EventSource, body: bytes, first: Any = None, *, lean: bool = False,
                    bare: bool = False) -> tuple[Any, Any] | None:  # fmt: skip
    """The event Struct (an instance of the source's own type) when its type has one field
    and the bytes hold an object with no other key, with the route key all its items have
    (:data:`ANY_KEY`: not known to be one); None when that cannot be known that way (the
    caller then probes the whole bytes). Raises msgspec's errors.

    ``bare``: the source's bare Structs (``SourceSpec.bare``) when it has them and the
    batch needs no ordering — of one route key when the source can tell it from ``first``,
    the first item (``SourceSpec.bare_keyed``); else the lean ones (with ``lean``) or the
    full ones."""
    from lambent.sources._base import SourceSpec

    if type(source) is not SourceSpec:  # a source of its own may decode bytes its way
        return None
    if bare and lean and source.bare is not None:
        keyed = source.bare_keyed(first) if source.bare_keyed is not None else None
        if keyed is not None:
            keyed_type: Any = keyed[0]
            closed = only_key(keyed_type)
            try:
                ev = None if closed is None else decode_struct(closed, body)
            except msgspec.ValidationError:  # an item of another key: decoded as any batch
                ev = None
            if ev is not None and (source.ordered is None or not source.ordered(ev)):
                return ev, keyed[1]
        bare_type: Any = source.bare[0]
        closed = only_key(bare_type)
        if closed is not None:
            ev = decode_struct(closed, body)
            if source.ordered is None or not source.ordered(ev):
                return ev, ANY_KEY
    tp: Any = source.lean[0] if lean and source.lean else source.event_type
    closed = only_key(tp)
    return None if closed is None else (decode_struct(closed, body), ANY_KEY)


def decode_general(source: EventSource, body: bytes, *, lean: bool = False) -> Any:
    """The event Struct the general way: Python values first, then ``msgspec.convert``."""
    event_type = source.lean[0] if lean and source.lean else source.event_type
    return msgspec.convert(msgspec.json.decode(body), event_type)
