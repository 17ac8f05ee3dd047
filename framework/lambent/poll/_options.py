"""What ``lambent poll`` polls, and how: sources named by URL or ARN, and the options.

Each option mirrors an event source mapping setting (LAMBDA.md §4); the docs table
in ``docs/poll.md`` maps them one to one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from lambent import sources
from lambent._errors import LambentError
from lambent.sources import EventSource

StartingPosition = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]
#: ``Source.kind``: the service polled (a source's ``poll.service``)
Kind = str


class PollError(LambentError):
    """A source or an option cannot be polled (an unknown queue, a missing permission, an
    app without a route for the source); ``lambent poll`` prints it as one line, exit 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PollOptions:
    """Event source mapping settings, shared by every source of one ``run``.

    ``batch_size``: default 10 (SQS) or 100 (streams); ``window``: the batching window
    in seconds; ``checkpoint``: a JSON file path or ``dynamodb://TABLE`` (streams);
    ``starting_position``/``starting_timestamp``: where a stream without a checkpoint
    starts; ``max_retries``/``max_record_age``: -1 is Lambda's "until the record
    expires"; ``bisect``: split a stream batch whose invocation failed (not one that reported
    failures) in two; ``on_failure``: an SQS
    queue or SNS topic ARN for stream records given up on; ``tumbling_window``: seconds
    (0: off); ``concurrency``: batches running at once over all sources (receives wait
    for a free slot: no unbounded prefetch); ``pollers``: concurrent receivers per SQS
    queue; ``visibility_timeout``: seconds a received message stays hidden (default:
    the queue's), extended while its batch runs; ``grace``: seconds in-flight batches
    get to finish at shutdown; ``function_timeout``: the deadline each invocation's
    context reports, and enforces (past it, the invocation fails its batch); ``idle_exit``: stop after that many seconds without records.
    """

    endpoint_url: str | None = None
    region: str | None = None
    batch_size: int | None = None
    window: float = 0.0
    checkpoint: str | None = None
    starting_position: StartingPosition = "LATEST"
    starting_timestamp: float | None = None
    max_retries: int = -1
    max_record_age: float = -1
    bisect: bool = False
    on_failure: str | None = None
    tumbling_window: float = 0.0
    concurrency: int = 10
    pollers: int = 2
    visibility_timeout: int | None = None
    wait_time: int = 20
    grace: float = 30.0
    function_timeout: float = 900.0
    shard_refresh: float = 10.0
    poll_interval: float = 1.0
    retry_base: float = 0.2
    retry_cap: float = 20.0
    progress_every: float = 30.0
    idle_exit: float | None = None

    def check(self) -> None:
        """Raise :class:`PollError` for values Lambda would refuse."""
        if self.batch_size is not None and not 1 <= self.batch_size <= 10_000:
            raise PollError(f"batch size must be 1-10000, not {self.batch_size}")
        if not 0 <= self.window <= 300:
            raise PollError(f"batching window must be 0-300 seconds, not {self.window:g}")
        if self.max_retries < -1 or self.max_retries > 10_000:
            raise PollError(f"maximum retries must be -1 or 0-10000, not {self.max_retries}")
        if self.max_record_age != -1 and not 60 <= self.max_record_age <= 604_800:
            raise PollError(
                f"maximum record age must be -1 or 60-604800 seconds, not {self.max_record_age:g}"
            )
        if not 0 <= self.tumbling_window <= 900:
            raise PollError(f"tumbling window must be 0-900 seconds, not {self.tumbling_window:g}")
        if self.concurrency < 1 or self.pollers < 1:
            raise PollError("concurrency and pollers must be at least 1")
        if self.starting_position == "AT_TIMESTAMP" and self.starting_timestamp is None:
            raise PollError("AT_TIMESTAMP needs a starting timestamp")
        if not 0 <= self.wait_time <= 20:
            raise PollError(f"SQS wait time must be 0-20 seconds, not {self.wait_time}")
        if self.visibility_timeout is not None and not 0 <= self.visibility_timeout <= 43_200:
            raise PollError(
                f"visibility timeout must be 0-43200 seconds (SQS's 12 hours), "
                f"not {self.visibility_timeout}"
            )
        if self.starting_timestamp is not None and not math.isfinite(self.starting_timestamp):
            raise PollError(f"starting timestamp must be a time, not {self.starting_timestamp}")
        if not 0 < self.function_timeout <= 900:
            raise PollError(
                f"function timeout must be over 0 and at most 900 seconds (Lambda's "
                f"limit), not {self.function_timeout:g}"
            )
        if not 0 <= self.grace < math.inf:
            raise PollError(f"grace must be 0 seconds or more, not {self.grace:g}")
        for name, value in (
            ("shard refresh", self.shard_refresh),
            ("poll interval", self.poll_interval),
            ("retry base", self.retry_base),
            ("retry cap", self.retry_cap),
            ("progress interval", self.progress_every),
            ("idle exit", math.inf if self.idle_exit is None else self.idle_exit),
        ):
            if not 0 < value <= math.inf:  # NaN too
                raise PollError(f"{name} must be over 0 seconds, not {value:g}")
        if self.endpoint_url is not None and not _is_http_url(self.endpoint_url):
            raise PollError(
                f"endpoint URL must be http(s)://HOST[:PORT] (moto: http://127.0.0.1:5000), "
                f"not {self.endpoint_url!r}"
            )
        if self.on_failure is not None and not re.match(r"arn:[^:]+:(sqs|sns):", self.on_failure):
            raise PollError(
                f"on-failure destination must be an SQS queue or SNS topic ARN: {self.on_failure}"
            )


def _is_http_url(text: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True, slots=True)
class Source:
    """One source: its kind, ARN, region and account (and an SQS queue's URL when given)."""

    kind: Kind
    arn: str
    region: str
    account: str
    name: str
    url: str | None = None

    @property
    def label(self) -> str:
        return self.url or self.arn


def pollable() -> tuple[EventSource, ...]:
    """The sources ``lambent poll`` can read (those that declare ``poll``)."""
    return tuple(spec for spec in sources.specs() if spec.poll is not None)


def source_spec(source: Source) -> EventSource:
    """The event source whose records ``source`` delivers."""
    for spec in pollable():
        if spec.poll is not None and spec.poll.service == source.kind:
            return spec
    raise PollError(f"lambent poll cannot read {source.label}")


def check_source(options: PollOptions, source: Source) -> None:
    """Raise :class:`PollError` for settings a mapping of ``source`` refuses in Lambda
    (its source's ``poll`` declaration: batch size limits, starting positions)."""
    poll = source_spec(source).poll
    if poll is None:  # pragma: no cover - pollable() lists only sources that declare one
        return
    size = options.batch_size
    most = poll.max_batch(source.name)
    if size is not None and size > most:
        raise PollError(f"batch size must be 1-{most} for {source.label}, not {size}")
    least = poll.batch_without_window
    if size is not None and least is not None and size > least and options.window < 1:
        raise PollError(
            f"a batch size over {least} needs a batching window of at least 1 second for "
            f"{source.label} (--window 1), as Lambda requires"
        )
    if poll.positions and options.starting_position not in poll.positions:
        raise PollError(
            f"starting position {options.starting_position} does not apply to "
            f"{source.label} (it takes {' or '.join(poll.positions)})"
        )


def _from_url(text: str, default_region: str) -> Source | None:
    for spec in pollable():
        poll = spec.poll
        found = None if poll is None or poll.url is None else re.match(poll.url, text)
        if poll is not None and found:
            on_aws = _AWS_HOST_REGION.match(found["host"])
            region = on_aws["region"] if on_aws else default_region
            arn = f"arn:aws:{poll.service}:{region}:{found['account']}:{found['name']}"
            return Source(poll.service, arn, region, found["account"], found["name"], text)
    return None


_AWS_HOST_REGION = re.compile(r"^(?:[a-z]+\.)?(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.")


def parse_source(text: str, default_region: str) -> Source:
    """A queue URL or ARN, a Kinesis stream ARN or a DynamoDB stream ARN (what the
    sources' ``poll`` declarations accept)."""
    from_url = _from_url(text, default_region)
    if from_url is not None:
        return from_url
    parts = text.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[3] and parts[4]:
        service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
        for spec in pollable():
            poll = spec.poll
            found = None if poll is None else re.match(poll.resource, resource)
            if poll is not None and poll.service == service and found:
                return Source(service, text, region, account, found["name"])
    raise PollError(
        f"not an SQS queue URL or ARN, a Kinesis stream ARN or a DynamoDB stream ARN: {text!r}"
    )
