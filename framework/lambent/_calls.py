"""Handler calls, built once per route and invocation: ``call(item, index) -> result``.

The arguments a handler declared (see :mod:`lambent._inject`) are read from the item
by small getters; the common shapes (one payload parameter, payload and item) get
a specialised call without any per-record dict or list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from lambent._decode import DECODE_ERRORS, Decoder, as_decode_error, decode_absent, reads_absent
from lambent._errors import printable
from lambent._fast import FAST
from lambent._inject import HandlerPlan, Param, Slot
from lambent._logging import Logger
from lambent._observe import current_metrics
from lambent.sources import EventSource

Call = Callable[[Any, int], Any]
Getter = Callable[[Any, int], Any]


def _payload_getter(
    decoder: Decoder,
    payload_of: Callable[[Any], Any] | None,
    json_payload: bool,
    id_of: Callable[[Any], str],
) -> Getter:
    def get(item: Any, index: int) -> Any:
        try:
            raw = payload_of(item) if payload_of is not None else item
            if raw is None and json_payload:  # an absent payload (a Kafka tombstone)
                return decode_absent(decoder)
            return decoder(raw)
        except DECODE_ERRORS as exc:
            raise as_decode_error(exc, id_of(item)) from exc

    return get


def _named_getter(param: Param, id_of: Callable[[Any], str]) -> Getter:
    decoder, read = param.decoder, param.getter
    assert decoder is not None and read is not None

    def get(item: Any, index: int) -> Any:
        try:
            return decoder(read(item))
        except DECODE_ERRORS as exc:
            raise as_decode_error(exc, id_of(item)) from exc

    return get


def _constant(value: Any) -> Getter:
    return lambda item, index: value


def make_call(
    plan: HandlerPlan,
    spec: EventSource | None,
    ev: Any,
    context: Any,
    log: Logger,
    *,
    extra: dict[Slot, Any] | None = None,
    record_id: Callable[[Any], str] | None = None,
    payload_of: Callable[[Any], Any] | None = None,
) -> Call:
    """A function running ``plan`` for one item: reads its arguments, then calls it.

    The one argument builder of Slot-based plans (record routes, whole-batch routes,
    WebSocket routes, direct invocations): ``extra`` gives fixed values for slots (the
    batch's items, a window's state, a logger bound otherwise)."""
    fn = plan.fn
    parts = payload_parts(plan, spec, record_id=record_id, payload_of=payload_of)
    if parts is not None:
        return _payload_only(parts)
    id_of: Callable[[Any], str] = record_id or (spec.item_id if spec is not None else _no_id)
    if payload_of is None and spec is not None:
        payload_of = spec.payload
    json_payload = spec is not None and spec.payload_format == "json"
    fused = FAST.fused_calls
    positional: list[Getter] = []
    keyword: list[tuple[str, Getter]] = []
    given = extra or {}
    for p in plan.params:
        getter: Getter
        if p.slot in given:
            getter = _constant(given[p.slot])
        elif p.slot is Slot.PAYLOAD:
            assert p.decoder is not None
            null = json_payload and not reads_absent(p.decoder)
            getter = _payload_getter(p.decoder, payload_of, null, id_of)
        elif p.slot is Slot.ITEM:
            getter = _item
        elif p.slot is Slot.CONTEXT:
            getter = _constant(context)
        elif p.slot is Slot.EVENT:
            getter = _constant(ev)
        elif p.slot is Slot.LOGGER:

            def getter(item: Any, index: int) -> Any:
                return log.bind(record_id=printable(id_of(item)))

        elif p.slot is Slot.NAMED:
            getter = _named_getter(p, id_of)
        elif p.slot is Slot.METRICS:  # bound at registration, else the invocation's app's
            getter = _constant(p.getter(None) if p.getter is not None else current_metrics.get())
        else:
            getter = _constant(None)
        if p.kw_only or keyword:
            keyword.append((p.name, getter))
        else:
            positional.append(getter)
    if fused and not keyword:
        if not positional:
            return lambda item, index: fn()
        if len(positional) == 1:
            (only,) = positional
            return lambda item, index: fn(only(item, index))
        if len(positional) == 2:
            first, second = positional
            return lambda item, index: fn(first(item, index), second(item, index))

    def call(item: Any, index: int) -> Any:
        args = [g(item, index) for g in positional]
        kwargs = {name: g(item, index) for name, g in keyword}
        return fn(*args, **kwargs)

    return call


class PayloadCall(NamedTuple):
    """The pieces of the most common handler, ``def h(order: Order)``: how an item's
    payload is read and decoded, and the handler (a loop may run them itself)."""

    read: Callable[[Any], Any]
    decode: Decoder
    fn: Callable[..., Any]
    id_of: Callable[[Any], str]
    #: an absent payload (a Kafka tombstone) goes through ``decode_absent`` (not for a raw
    #: ``str``/``bytes`` decoder, which takes it itself: ``reads_absent``)
    json_payload: bool
    #: raw records whose payload is a string at this key (``RawView.payload_key``)
    key: str | None = None


def payload_parts(
    plan: HandlerPlan,
    spec: EventSource | None,
    *,
    record_id: Callable[[Any], str] | None = None,
    payload_of: Callable[[Any], Any] | None = None,
    payload_key: str | None = None,
) -> PayloadCall | None:
    """The pieces of ``plan``'s call when its handler takes only the payload (and fused
    calls are on); else None. ``record_id`` and ``payload_of`` as for :func:`make_call`;
    ``payload_key`` as ``RawView.payload_key``."""
    params = plan.params
    if not (
        FAST.fused_calls
        and len(params) == 1
        and params[0].slot is Slot.PAYLOAD
        and not params[0].kw_only
    ):
        return None
    decoder = params[0].decoder
    assert decoder is not None
    id_of: Callable[[Any], str] = record_id or (spec.item_id if spec is not None else _no_id)
    if payload_of is None and spec is not None:
        payload_of = spec.payload
    json_payload = spec is not None and spec.payload_format == "json"
    json_payload = json_payload and not reads_absent(decoder)
    return PayloadCall(payload_of or _identity, decoder, plan.fn, id_of, json_payload, payload_key)


def _payload_only(parts: PayloadCall) -> Call:
    """The most common handler, ``def h(order: Order)``: one fused function per record."""
    read, decoder, fn, id_of, json_payload, _ = parts

    def call(item: Any, index: int) -> Any:
        try:
            raw = read(item)  # base64 data, DynamoDB images: inside the decode guard
            value = decode_absent(decoder) if raw is None and json_payload else decoder(raw)
        except DECODE_ERRORS as exc:
            raise as_decode_error(exc, id_of(item)) from exc
        return fn(value)

    return call


def _no_id(item: Any) -> str:
    return ""


def _identity(item: Any) -> Any:
    return item


def _item(item: Any, index: int) -> Any:
    return item
