"""What tools other than the pipeline need from a source, declared on its spec so that
they name no source themselves: how ``lambent poll`` reads it (:class:`Pollable`), and
what the service in front of an HTTP request source does (:class:`Front`, read by
``lambent dev`` and ``lambent.testing.TestClient``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import msgspec


def _arn_route_key(arn: str) -> Sequence[Hashable]:
    return (arn,)


def _any_name(name: str) -> int:
    return 10_000


class Pollable(msgspec.Struct, frozen=True, kw_only=True):
    """How ``lambent poll`` reads a source outside Lambda, as an event source mapping
    does (``lambent.poll`` asks the sources that declare one; it names none itself)."""

    #: the service in the ARNs of what is polled (``arn:aws:<service>:...``); it is also
    #: ``lambent.poll.Source.kind``
    service: str
    #: what the ARN's resource part looks like; group ``name`` is the name shown
    resource: str
    #: the decorator that routes its records (messages: ``@app.sqs('orders')``)
    decorator: str
    #: the shard reader of ``lambent.poll._shards`` that reads it (a class name);
    #: ``None``: a queue, received and deleted message by message
    reader: str | None = None
    #: a URL that also names it (SQS queue URLs): groups ``host``, ``account``, ``name``
    url: str | None = None
    #: the route keys a record of the polled ARN can have (a route that matches one of
    #: them takes the source); default: the ARN itself
    route_keys: Callable[[str], Sequence[Hashable]] = _arn_route_key
    #: the largest ``BatchSize`` a mapping of the named resource takes (LAMBDA.md §4.4,
    #: §4.5: 10,000; an SQS FIFO queue 10)
    max_batch: Callable[[str], int] = _any_name
    #: a ``BatchSize`` above this needs ``MaximumBatchingWindowInSeconds`` of 1 or more
    #: (SQS: 10); ``None``: no such rule
    batch_without_window: int | None = None
    #: the ``StartingPosition`` values it takes; empty: it has none (a queue)
    positions: tuple[str, ...] = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")


#: (status, content type, body) of an answer a service gives on its own
ServiceAnswer = tuple[int, str, bytes]


class Front(msgspec.Struct, frozen=True, kw_only=True):
    """What the service in front of an HTTP request source does around the function, for
    the tools that pose as it (``lambent dev``, ``lambent.testing.TestClient``)."""

    #: its answer when the function fails (raises, or returns no HTTP result)
    error: ServiceAnswer
    #: its answer when the function runs out of time
    timeout: ServiceAnswer
    #: a result that is not an HTTP response is answered 200 with it as JSON (payload
    #: format 2.0)
    infers_json: bool = False
    #: it streams a streamed response (a Function URL in ``RESPONSE_STREAM`` mode)
    streams: bool = False
    #: its events name the route template that matched (REST ``resource``, HTTP API
    #: ``routeKey``)
    names_route: bool = False
    #: it delivers the path percent-decoded (HTTP APIs)
    decodes_path: bool = False
    #: other names the tools pose as it by, each with the factory's options it implies
    #: (``alb-multi``: an ALB target group with multi-value headers on)
    variants: tuple[str, ...] = ()
    #: the largest request body it takes and result it reads (bytes of JSON), when
    #: smaller than Lambda's own 6 MB (an ALB: 1 MB each, LAMBDA.md §5.9)
    payload_limit: int | None = None
