"""``EventSource``: everything the pipeline asks a source, and nothing else.

The pipeline (``lambent._pipeline``) never compares kind strings: it asks the source
of the event. A source is usually a :class:`~lambent.sources._base.SourceSpec` declared
in its module (``SPECS``), but any object with these members works, and
:func:`lambent.sources.register` puts a user's source ahead of the built-in ones.

Members, in the order the pipeline uses them:

* detection: ``requires`` (a top-level key every event has, or ``None``), ``detect``;
* decoding: ``event_type``/``item_type`` (full Structs), ``lean`` (Structs with only
  what the pipeline reads), ``bare`` (only each item's id, payload and route key, for
  ``lambent.runtime``'s bytes; ``bare_keyed``: those of a batch whose items all have the
  first one's route key; ``bare_claim``: that kind for a key known beforehand, whose
  decode also proves ``detect``), ``items``, ``raw_items`` (``raw_where``), ``raw_id``/``raw_report_id``
  (naming a raw record that does not decode, so it fails alone);
* identity: ``item_id`` (logs, reports), ``report_id`` (the wire ``itemIdentifier``),
  ``item_label`` (what names an item besides its id: ``s3://bucket/key``);
* routing: ``route_key``, ``route_filter`` and ``overlaps`` (the decorator's filters),
  ``unwrap`` (this source's items inside another's records), ``fallback``;
* running: ``payload``/``payload_format``, ``named`` injections, ``order_key``/``ordered``,
  ``windowed``;
* rendering: ``response``, ``result``, ``batch_failure``, ``web`` (for the web router), or
  ``answer`` (the source builds the result from the outcomes), with ``reserve`` seconds
  (``threaded``: plain handlers always run in a worker thread, so the deadline can cut
  them before ``answer``);
* ``array``: events may be a top-level JSON array of single events (AppSync batches).
* polling: ``poll`` (how ``lambent poll`` reads it outside Lambda);
* ``unique_ids``: ``item_id`` names one delivery (``idempotent=True`` may key by it).
* observing: ``oldest`` (metrics' record age), ``trace_header`` (tracing links),
  ``redelivery`` (what Lambda delivers again: ``lambent.testing.redeliver``);
* from bytes: ``decode_bytes`` (the event Struct straight from the invocation's JSON
  bytes; :func:`lambent.sources._bytes.decode_general` is the general way any source
  can delegate to).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal, Protocol

from lambent.sources._base import (
    Outcome,
    PayloadFormat,
    Pollable,
    RawView,
    ResponseMode,
    WebSpec,
)
from lambent.sources._match import Filter, Overlap

__all__ = ["EventSource"]


class EventSource(Protocol):
    """One event source as the pipeline sees it (see the module docstring)."""

    @property
    def kind(self) -> str: ...
    @property
    def requires(self) -> str | None: ...
    @property
    def detect(self) -> Callable[[Mapping[str, Any]], bool]: ...
    @property
    def event_type(self) -> type[Any]: ...
    @property
    def item_type(self) -> type[Any]: ...
    @property
    def lean(self) -> tuple[type[Any], type[Any]] | None: ...
    @property
    def bare(self) -> tuple[type[Any], type[Any]] | None: ...
    @property
    def bare_keyed(self) -> Callable[[Any], tuple[type[Any], Hashable] | None] | None: ...
    @property
    def bare_claim(self) -> Callable[[Hashable], type[Any] | None] | None: ...
    @property
    def items(self) -> Callable[[Any], Sequence[Any]]: ...
    @property
    def raw_items(self) -> Callable[[Mapping[str, Any]], Sequence[Any]] | None: ...
    @property
    def raw_where(self) -> Callable[[Mapping[str, Any], int], str] | None: ...
    @property
    def raw_id(self) -> Callable[[Any], str | None] | None: ...
    @property
    def raw_report_id(self) -> Callable[[Any], Any] | None: ...
    @property
    def item_id(self) -> Callable[[Any], str]: ...
    @property
    def report_id(self) -> Callable[[Any], Any] | None: ...
    @property
    def item_label(self) -> Callable[[Any], str] | None: ...
    @property
    def route_key(self) -> Callable[[Any, Any], Hashable]: ...
    @property
    def route_filter(self) -> Callable[..., Filter]: ...
    @property
    def overlaps(self) -> Overlap | None: ...
    @property
    def unwrap(self) -> Callable[[Any, Any, Any], Sequence[Any] | None] | None: ...
    @property
    def fallback(self) -> tuple[str, Callable[[Any, Any], Hashable]] | None: ...
    @property
    def payload(self) -> Callable[[Any], Any] | None: ...
    @property
    def payload_format(self) -> PayloadFormat: ...
    @property
    def named(self) -> Mapping[str, Callable[[Any], Any]] | None: ...
    @property
    def order_key(self) -> Callable[[Any], Hashable | None] | None: ...
    @property
    def ordered(self) -> Callable[[Any], bool] | None: ...
    @property
    def windowed(self) -> bool: ...
    @property
    def response(self) -> ResponseMode: ...
    @property
    def result(self) -> Callable[[Any], Any] | None: ...
    @property
    def batch_failure(self) -> bool: ...
    @property
    def web(self) -> WebSpec | None: ...
    @property
    def raw(self) -> RawView | None: ...
    @property
    def check_route(self) -> Callable[[str, Any, Mapping[str, Any]], None] | None: ...
    @property
    def oldest(self) -> Callable[[Sequence[Any]], float | None] | None: ...
    @property
    def redelivery(self) -> Literal["reported", "from_lowest"] | None: ...
    @property
    def trace_header(self) -> Callable[[Any], str | None] | None: ...
    @property
    def answer(self) -> Callable[[Outcome], Any] | None: ...
    @property
    def array(self) -> bool: ...
    @property
    def reserve(self) -> float: ...
    @property
    def threaded(self) -> bool: ...
    @property
    def poll(self) -> Pollable | None: ...
    @property
    def unique_ids(self) -> bool: ...

    def decode_bytes(self, body: bytes, *, lean: bool = False) -> Any:
        """The event Struct (lean with ``lean``) from the invocation's JSON bytes."""
        ...
