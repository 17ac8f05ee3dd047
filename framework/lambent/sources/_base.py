"""The standard implementation of the event-source contract (:mod:`._protocol`).

A source module (``lambent/sources/<name>.py``) declares, side by side:

* ``detect(event)``: a cheap structural test on the raw event (top-level keys and
  the first record only; LAMBDA.md §6). The registry in ``sources/__init__.py``
  calls the detectors in a fixed order, so a detector may assume that the ones
  before it said no.
* msgspec Structs for the event and for the *item* a handler call is about (an
  SQS message, a Kinesis record, an EventBridge event, one CloudWatch log event).
* :class:`SourceSpec` values in a tuple named ``SPECS`` (usually one) that tell the
  pipeline how to split the event into items, name them (also from a raw record that
  does not decode), route them (the decorator's filters compile into a predicate here),
  order them, find their payload, unwrap envelopes and render the response. Each is an
  :class:`~lambent.sources._protocol.EventSource`; the registry in ``sources/__init__.py``
  lists the modules in detection order, and core code asks the spec, never the kind.

The helpers source modules share to read an event's fields (detection tests, raw
records and ids, base64 fields, timestamps) are :mod:`._fields`'s, re-exported here.

Structs use snake_case attribute names renamed to the wire names, ``gc=False``
(no reference cycles; much cheaper at 10,000 records) and ``frozen=True``.
Timestamps keep their wire value in a field and are exposed as ``datetime``
through properties; base64 payloads stay strings until a property decodes them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

import msgspec

# the readers of raw and decoded fields that source modules share, re-exported beside
# the spec they fill in (a source module imports its toolkit from here)
from lambent.sources._fields import FieldError as FieldError
from lambent.sources._fields import b64_field as b64_field
from lambent.sources._fields import epoch_ms as epoch_ms
from lambent.sources._fields import epoch_s as epoch_s
from lambent.sources._fields import first_record as first_record
from lambent.sources._fields import first_record_source as first_record_source
from lambent.sources._fields import grouped_where as grouped_where
from lambent.sources._fields import iso as iso
from lambent.sources._fields import list_where as list_where
from lambent.sources._fields import oldest_ms as oldest_ms
from lambent.sources._fields import one_of as one_of
from lambent.sources._fields import raw_path as raw_path
from lambent.sources._fields import raw_records as raw_records
from lambent.sources._fields import record_list as record_list
from lambent.sources._fields import records_where as records_where
from lambent.sources._match import Filter, Overlap

# declared for tools other than the pipeline; re-exported with the spec they belong to
from lambent.sources._tools import Front as Front
from lambent.sources._tools import Pollable as Pollable

EventT = TypeVar("EventT")
ItemT = TypeVar("ItemT")

#: How the payload of an item is encoded: ``"json"`` (str/bytes of JSON text, decoded
#: with ``msgspec.json``), ``"decoded"`` (JSON already read into builtins: a direct
#: invocation's event, an EventBridge detail; converted as strictly as JSON text is
#: decoded, so ``"5"`` is no ``int``) or ``"python"`` (builtins converted with
#: ``msgspec.convert``'s lax rules: a CloudFormation property, which is always a string,
#: may be declared ``int``).
PayloadFormat = Literal["json", "decoded", "python"]

#: How a source's outcomes become the function's result (the dispatcher renders it):
#: ``"batch"``: ``{"batchItemFailures": [...]}`` with ``item_id`` values;
#: ``"firehose"``: Firehose transformation records; ``"all"``: any failure fails the
#: invocation (async sources, Amazon MQ); ``"single"``: one item, the handler's return
#: value is the result (direct invoke, EventBridge); ``"http"``: the web router
#: (``lambent.http``) answers the event (HTTP, WebSocket, authorizers, Lambda@Edge).
ResponseMode = Literal["batch", "firehose", "all", "single", "http"]


#: what the web router does with an event of a ``response="http"`` source
WebRole = Literal["request", "websocket", "authorizer", "edge"]
#: the wire shape of an HTTP response: REST / HTTP API 1.0, HTTP API 2.0 / Function
#: URLs, ALB
WireShape = Literal["rest", "v2", "alb"]
#: a request as its lean Struct gives it, read straight from the raw event: ``(method
#: upper-cased, path, route key, body, body is base64, path is percent-encoded)``; the
#: route key is ``"METHOD /template"`` of the route the service says it matched, or None
RequestLine = tuple[str, str, str | None, str | None, bool, bool]


def _itself(event: Any) -> Sequence[Any]:
    return (event,)


def _no_filters() -> Filter:
    return Filter()


class RawView(msgspec.Struct, frozen=True, kw_only=True):
    """Reading a batch straight from the runtime's dicts, for apps whose routes need only
    the payload: no Struct is built for the records (``lambent._fast``: ``raw_records``).

    ``records(event)`` gives the raw records when every one has the fields the other
    functions read, with the right types, they share one route key, and they need no
    ordering; else ``None`` (the event then takes the general path)."""

    records: Callable[[Mapping[str, Any]], Sequence[Any] | None]
    route_key: Callable[[Any], Hashable]
    payload: Callable[[Any], Any]
    record_id: Callable[[Any], str]
    #: as :attr:`SourceSpec.oldest` and :attr:`SourceSpec.trace_header`, of raw records
    oldest: Callable[[Sequence[Any]], float | None] | None = None
    #: ``records`` and ``oldest``'s answer for them read in the same pass (an app with
    #: metrics: a scan of every record saved), when the source can
    aged: Callable[[Mapping[str, Any]], tuple[Sequence[Any], float | None] | None] | None = None
    trace_header: Callable[[Any], str | None] | None = None
    #: when ``payload`` is ``record[payload_key]`` and ``records`` has made sure it is a
    #: string: a loop over the records reads it with a subscript
    payload_key: str | None = None


class WebSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What the web router needs to know about a ``response="http"`` source."""

    role: WebRole
    #: the response shape (``role="request"``)
    wire: WireShape = "v2"
    #: a Struct with only what routing reads (method, path, body, request id), decoded
    #: before the full one, which is decoded only when something needs it
    lean: type[Any] | None = None
    #: whether the request's path is still percent-encoded (a function of the event)
    path_encoded: Callable[[Any], bool] | None = None
    #: the service answers on its own after ``api_gateway_timeout`` (API Gateway)
    service_timeout: bool = False
    #: the route template the service says it matched, read from the raw event (API
    #: Gateway's ``routeKey`` or ``resource``), or None: a hint the router checks against
    #: its own matching, never trusts
    template: Callable[[Mapping[str, Any]], str | None] | None = None
    #: the :data:`RequestLine` of a raw event whose fields the ``lean`` Struct holds all
    #: have their exact types there (the values the lean Struct would give), else None
    #: (the lean Struct is decoded instead); only for a wire shape whose plain rendering
    #: reads nothing of the request (``rest``, ``v2``)
    line: Callable[[Mapping[str, Any]], RequestLine | None] | None = None
    #: ``line`` of a raw event when the registry's detection (with no user source
    #: registered) would surely say this source, else None (detection decides:
    #: :func:`lambent.sources.certain_reader`)
    certain: Callable[[Mapping[str, Any]], RequestLine | None] | None = None
    #: a Struct of what detection and ``line`` read of the invocation's bytes, and the
    #: :data:`RequestLine` of one when detection would surely say this source, else None
    #: (the full event decides; :func:`lambent.sources.line_reader`)
    from_bytes: tuple[type[Any], Callable[[Any], RequestLine | None]] | None = None
    #: handler parameters by annotation: a type (subclasses match) -> its value, read from
    #: the decoded event (authorizer events, the CloudFront record, the WebSocket request)
    inject: Mapping[type[Any], Callable[[Any], Any]] = msgspec.field(default_factory=dict)
    #: handler parameters by name (unannotated, or no type claims them) -> their value
    names: Mapping[str, Callable[[Any], Any]] = msgspec.field(default_factory=dict)
    #: the route key of a decoded event (authorizer kind, edge event type, WebSocket route)
    key: Callable[[Any], str] | None = None
    #: the keys a decorator may name, normalised (``None``: any non-empty key)
    keys: Mapping[str, str] | None = None
    #: the decoded event's single item the handler is about (a CloudFront record)
    item: Callable[[Any], Any] | None = None
    #: authorizers: the event wants a simple ``{"isAuthorized": ...}`` answer
    simple: Callable[[Any], bool] | None = None
    #: the service in front, as ``lambent dev`` and the test client pose as it
    front: Front | None = None


class SourceSpec(msgspec.Struct, Generic[EventT, ItemT], frozen=True, kw_only=True):
    """How the pipeline handles one source kind (an :class:`EventSource`); a module lists
    its instances in ``SPECS``."""

    #: the vocabulary word (DESIGN.md "Source kinds"), e.g. ``"sqs"``
    kind: str
    #: cheap structural test on the raw event
    detect: Callable[[Mapping[str, Any]], bool]
    #: Struct of the whole event; the raw dict is decoded with ``msgspec.convert``
    event_type: type[EventT]
    #: Struct handlers receive (a record, a log event, or the event itself)
    item_type: type[ItemT]
    #: the items of a decoded event, in delivery order (default: the event is its one item)
    items: Callable[[EventT], Sequence[ItemT]] = _itself
    #: the raw item values of the raw event, so that items can be decoded one by
    #: one when the whole event does not decode (a bad record then fails alone).
    #: ``None`` when the event is a single item.
    raw_items: Callable[[Mapping[str, Any]], Sequence[Any]] | None = None
    #: where raw item ``i`` (of ``raw_items``) is in the raw event, as decode errors write
    #: paths (``$.Records[3]``), to name a record that cannot fail alone; ``None``: ``$[i]``,
    #: the event being the list of its items
    raw_where: Callable[[Mapping[str, Any], int], str] | None = None
    #: the identifier of an item in reports and logs (message id, sequence number)
    item_id: Callable[[ItemT], str]
    #: what routes match on for an item of an event (queue ARN, stream ARN, topic, ...);
    #: route predicates are evaluated once per distinct key and cached for the batch
    route_key: Callable[[EventT, ItemT], Hashable]
    #: the payload a user's declared type is decoded from (``None``: no payload)
    payload: Callable[[ItemT], Any] | None
    payload_format: PayloadFormat = "json"
    #: items whose keys are equal run in order; ``None`` (the function, or its result for
    #: an item): independent
    order_key: Callable[[ItemT], Hashable | None] | None = None
    response: ResponseMode = "all"
    #: whether the items of a decoded event can have order keys at all (``None``:
    #: always ask ``order_key``); lets SQS standard queues skip it per record
    ordered: Callable[[EventT], bool] | None = None
    #: (event, item) Structs with only the fields the accessors above read, under the
    #: same names: decoded instead of the full ones when no route asks for the item,
    #: the event or the batch (much cheaper for large batches)
    lean: tuple[type[Any], type[Any]] | None = None
    #: a top-level key every event of this source has; detection skips ``detect`` for
    #: events without it (one dict lookup instead of a call)
    requires: str | None = None
    #: the ``itemIdentifier`` value reported for a failed item when it is not the
    #: plain ``item_id`` string (Kafka: ``{"partition": ..., "offset": ...}``)
    report_id: Callable[[ItemT], Any] | None = None
    #: the identifier of a *raw* record that did not decode (``None``: none readable),
    #: so that it can fail alone
    raw_id: Callable[[Any], str | None] | None = None
    #: the ``itemIdentifier`` of a raw record that did not decode, when not ``raw_id``
    raw_report_id: Callable[[Any], Any] | None = None
    #: the decorator's filters (keyword arguments) compiled into a :class:`Filter`
    route_filter: Callable[..., Filter] = _no_filters
    #: whether two routes' filters could take the same event (beyond equal filters)
    overlaps: Overlap | None = None
    #: values handlers can ask for by parameter name (DynamoDB ``old``/``new`` images)
    named: Mapping[str, Callable[[ItemT], Any]] | None = None
    #: tumbling-window invocations exist (Kinesis, DynamoDB): ``window=True`` routes,
    #: and the batch response carries the new ``state`` for window events
    windowed: bool = False
    #: this source's items found inside another source's record (S3 notifications in
    #: SQS, SNS and EventBridge): ``unwrap(outer_spec, raw_event, outer_item)`` gives the
    #: inner items, or ``None`` when the record carries none
    unwrap: Callable[[Any, Any, Any], Sequence[ItemT] | None] | None = None
    #: a route of another kind that takes an item no route of this kind takes:
    #: ``(kind, key(event, item))`` (scheduled events fall back to EventBridge routes)
    fallback: tuple[str, Callable[[EventT, ItemT], Hashable]] | None = None
    #: ``response="all"`` sources whose single item's result is the function's result,
    #: converted by this function (SES receipt rules: a disposition)
    result: Callable[[Any], Any] | None = None
    #: any failure, even of a single-record event, is reported as a batch failure
    #: (Amazon MQ redelivers the whole batch)
    batch_failure: bool = False
    #: for ``response="http"``: what the web router needs
    web: WebSpec | None = None
    #: reading lean batches straight from the runtime's dicts (see :class:`RawView`)
    raw: RawView | None = None
    #: (event, item) Structs with only each item's id, payload and route key, under the
    #: same names as the lean ones: decoded from the invocation's bytes instead of them
    #: when nothing else is read (lean routes, no metrics or tracing) and the batch needs
    #: no ordering (``ordered`` says no on the bare event)
    bare: tuple[type[Any], type[Any]] | None = None
    #: a bare event Struct for a batch whose first item (as the head of the bytes shows
    #: it, a dict) gives the route key every item must carry, and that key: an item with
    #: another key fails the decode (the batch is then decoded as any other), so every
    #: item of a decoded event has one route (None: not for this first item)
    bare_keyed: Callable[[Any], tuple[type[Any], Hashable] | None] | None = None
    #: ``bare_keyed``'s kind of event Struct for a route key known beforehand (one an
    #: earlier batch had), whose decode (of an object with no other key) also proves
    #: ``detect`` says yes: a small batch of that key is decoded with it straight away
    #: when no source is detected before this one (``lambent._fast``: ``learned_keys``)
    bare_claim: Callable[[Hashable], type[Any] | None] | None = None
    #: a check of a new route's resolved handler against its filters, raising
    #: ``ConfigurationError``: ``check_route(where, plan, filters)`` (DynamoDB: image
    #: parameters that must accept None)
    check_route: Callable[[str, Any, Mapping[str, Any]], None] | None = None
    #: how failure messages and logs name an item besides its id, when the id alone does
    #: not say which it is (S3: ``s3://bucket/key``, where the id is a request id and
    #: sequencer)
    item_label: Callable[[ItemT], str] | None = None
    #: the function's result built by the source from every item's outcome, instead of
    #: ``response``'s rendering (Cognito's echo, AppSync's list, a CloudFormation PUT);
    #: may return an awaitable. Also called when no route took the items.
    answer: Callable[[Outcome], Any] | None = None
    #: events of this source can be a top-level JSON array of single events (AppSync
    #: ``BatchInvoke``): ``detect`` is then given the array's first element
    array: bool = False
    #: seconds kept after the items' deadline for ``answer`` (a network call)
    reserve: float = 0.0
    #: plain ``def`` handlers of this source always run in a worker thread, whatever the
    #: route says, so that the deadline can cut them and ``answer`` still runs in time
    #: (CloudFormation's FAILED PUT)
    threaded: bool = False
    #: how ``lambent poll`` reads it outside Lambda (``None``: it cannot)
    poll: Pollable | None = None
    #: ``item_id`` names one delivery of one event (a message id, a request id), so that
    #: ``idempotent=True`` can key by it; ``False`` (Cognito, AppSync, Bedrock agents):
    #: routes need ``idempotency_key``
    unique_ids: bool = True

    #: when the oldest of a batch's items entered its source (epoch milliseconds;
    #: metrics' ``RecordAge``), ``None`` when unknown
    oldest: Callable[[Sequence[ItemT]], float | None] | None = None
    #: what Lambda delivers again after a partial batch response (``lambent.testing``'s
    #: ``redeliver``): the reported items, or every item from the lowest reported one
    redelivery: Literal["reported", "from_lowest"] | None = None
    #: the X-Ray trace header an item carries from its producer (tracing links)
    trace_header: Callable[[ItemT], str | None] | None = None

    def decode_bytes(self, body: bytes, *, lean: bool = False) -> Any:
        """The event Struct (the lean one with ``lean``) straight from the invocation's
        JSON bytes, building no dicts; raises msgspec's errors when the event does not
        decode as a whole (the pipeline then takes the general path)."""
        from lambent.sources._bytes import decode_struct

        return decode_struct(self.lean[0] if lean and self.lean else self.event_type, body)


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What an ``answer`` sees: the event, its items, and each item's outcome."""

    #: the raw event as the function received it
    event: Any
    #: the decoded event Struct
    decoded: Any
    items: Sequence[Any]
    #: each item's handler result (``None`` for failed items)
    results: Sequence[Any]
    #: each item's error (``None`` for items that succeeded): the handler's exception, a
    #: decode or routing error, or a ``DeadlineExceeded``
    errors: Sequence[BaseException | None]
    #: each item's route filters, as its decorator gave them (empty when unrouted)
    filters: Sequence[Mapping[str, Any]]
    #: the Lambda context (``None`` in tests calling the handler directly)
    context: Any
