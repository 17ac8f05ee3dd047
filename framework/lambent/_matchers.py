"""Route predicates over each source's route key, built when a decorator runs."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Hashable, Iterable
from typing import Any, cast

from lambent._errors import ConfigurationError

Predicate = Callable[[Hashable], bool]

S3_EVENT_FAMILIES = frozenset(
    {
        "ObjectCreated", "ObjectRemoved", "ObjectRestore", "ReducedRedundancyLostObject",
        "Replication", "LifecycleExpiration", "LifecycleTransition", "IntelligentTiering",
        "ObjectTagging", "ObjectAcl",
    }
)  # fmt: skip
DYNAMODB_EVENTS = frozenset({"INSERT", "MODIFY", "REMOVE"})
EDGE_EVENTS = frozenset({"viewer-request", "origin-request", "origin-response", "viewer-response"})


def arn_name(value: str) -> str:
    """The resource name inside an ARN (queue, topic, stream, table, delivery stream)."""
    if not value.startswith("arn:"):
        return value
    resource = value.split(":", 5)[-1]
    if "/" in resource:
        return resource.split("/")[1]
    return resource


def resource(value: str | None) -> Predicate:
    """Matches a route key that is an ARN, by full ARN or by resource name."""
    if value is None:
        return lambda key: True
    if value.startswith("arn:"):
        prefix = value + "/"
        return lambda key: isinstance(key, str) and (key == value or key.startswith(prefix))
    return lambda key: isinstance(key, str) and arn_name(key) == value


def same_resource(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (arn_name(a) == arn_name(b) and (a.startswith("arn:") != b.startswith("arn:")))


def exact(value: str | None) -> Predicate:
    if value is None:
        return lambda key: True
    return lambda key: key == value


def s3_events(events: Iterable[str] | None) -> tuple[str, ...] | None:
    """Normalise S3 event filters (``s3:ObjectCreated:*`` → ``ObjectCreated:*``), validating them."""
    if events is None:
        return None
    out: list[str] = []
    for raw in [events] if isinstance(events, str) else events:
        name = raw.removeprefix("s3:")
        family = name.split(":", 1)[0]
        if family not in S3_EVENT_FAMILIES:
            raise ConfigurationError(
                f"unknown S3 event {raw!r}; expected one of the families "
                + ", ".join(sorted(S3_EVENT_FAMILIES))
                + " (e.g. 'ObjectCreated:*')"
            )
        out.append(name)
    return tuple(out)


def s3_event_matches(patterns: tuple[str, ...] | None, event_name: str) -> bool:
    if patterns is None:
        return True
    return any(
        event_name == p
        or (p.endswith("*") and event_name.startswith(p[:-1]))
        or p == event_name.split(":")[0]
        for p in patterns
    )


def s3_route(
    bucket: str | None, prefix: str, suffix: str, events: tuple[str, ...] | None
) -> Predicate:
    bucket_name = None if bucket is None else arn_name(bucket.removeprefix("arn:aws:s3:::"))

    def matches(key: Hashable) -> bool:
        b, object_key, event_name = cast("tuple[str, str, str]", key)
        return (
            (bucket_name is None or b == bucket_name)
            and object_key.startswith(prefix)
            and object_key.endswith(suffix)
            and s3_event_matches(events, event_name)
        )

    return matches


def events_overlap(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    """Whether two S3 event filters can both match one event name."""
    if a is None or b is None:
        return True
    for x in a:
        for y in b:
            fx, _, rx = x.partition(":")
            fy, _, ry = y.partition(":")
            if fx == fy and (rx in ("", "*") or ry in ("", "*") or rx == ry):
                return True
    return False


def dynamodb_events(events: Iterable[str] | None) -> frozenset[str] | None:
    if events is None:
        return None
    chosen = frozenset([events] if isinstance(events, str) else events)
    unknown = chosen - DYNAMODB_EVENTS
    if unknown or not chosen:
        raise ConfigurationError(
            f"unknown DynamoDB stream events {sorted(unknown)}; use INSERT, MODIFY and/or REMOVE"
        )
    return chosen


def dynamodb_route(table: str | None, events: frozenset[str] | None) -> Predicate:
    table_matches = resource(table)

    def matches(key: Hashable) -> bool:
        arn, event_name = cast("tuple[str, str]", key)
        return table_matches(arn) and (events is None or event_name in events)

    return matches


def glob(pattern: str | None) -> Predicate:
    if pattern is None:
        return lambda key: True
    if not any(ch in pattern for ch in "*?["):
        return lambda key: key == pattern
    return lambda key: isinstance(key, str) and fnmatch.fnmatchcase(key, pattern)


def pair(first: Predicate, second: Predicate) -> Predicate:
    def matches(key: Hashable) -> bool:
        a, b = cast("tuple[Hashable, Hashable]", key)
        return first(a) and second(b)

    return matches


def recipients(recipient: str | None) -> Predicate:
    """SES: an address matches itself; a domain matches every address at it."""
    if recipient is None:
        return lambda key: True
    wanted = recipient.lower()
    domain = "@" + wanted.lstrip("@") if "@" not in wanted else None

    def matches(key: Hashable) -> bool:
        addresses: Any = key
        for address in addresses:
            low = str(address).lower()
            if low == wanted or (domain is not None and low.endswith(domain)):
                return True
        return False

    return matches
