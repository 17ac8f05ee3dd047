"""Route predicates shared by the source modules, and the filters a decorator builds.

A decorator such as ``@app.sqs("orders")`` gives its keyword filters to the source, whose
``route_filter`` turns them into a :class:`Filter`: the filters as shown (``lambent
routes``, conflict messages) and a predicate over the source's route key. Predicates are
built once, when the decorator runs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any, cast

import msgspec

from lambent._errors import ConfigurationError

Predicate = Callable[[Hashable], bool]
#: whether two routes' filters (as shown) could take the same event
Overlap = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]


def _any(key: Hashable) -> bool:
    return True


class Filter(msgspec.Struct, frozen=True):
    """A route's filters as shown, and the predicate over the route key they compile to."""

    shown: tuple[tuple[str, Any], ...] = ()
    matches: Predicate = _any


def shown(**values: Any) -> tuple[tuple[str, Any], ...]:
    """The filters that are set (not ``None``), in the given order."""
    return tuple((k, v) for k, v in values.items() if v is not None)


def arn_name(value: str) -> str:
    """The resource name inside an ARN (queue, topic, stream, table, delivery stream)."""
    if not value.startswith("arn:"):
        return value
    resource_part = value.split(":", 5)[-1]
    if "/" in resource_part:
        return resource_part.split("/")[1]
    return resource_part


def resource(value: str | None) -> Predicate:
    """Matches a route key that is an ARN, by full ARN or by resource name."""
    if value is None:
        return _any
    if value.startswith("arn:"):
        prefix = value + "/"
        return lambda key: isinstance(key, str) and (key == value or key.startswith(prefix))
    return lambda key: isinstance(key, str) and arn_name(key) == value


def same_resource(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (arn_name(a) == arn_name(b) and (a.startswith("arn:") != b.startswith("arn:")))


def resource_overlap(field: str) -> Overlap:
    """Two routes overlap when they name the same resource in ``field`` (name or ARN)."""

    def overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        return same_resource(a.get(field), b.get(field))

    return overlaps


def exact(value: str | None) -> Predicate:
    if value is None:
        return _any
    return lambda key: key == value


def glob(pattern: str | None) -> Predicate:
    if pattern is None:
        return _any
    if not _globbed(pattern):
        return lambda key: key == pattern
    return lambda key: isinstance(key, str) and fnmatch.fnmatchcase(key, pattern)


def _globbed(value: str) -> bool:
    return any(ch in value for ch in "*?[")


def covers(pattern: str | None, value: str | None) -> bool:
    """Whether a route filtering on glob ``pattern`` takes every event one filtering on
    ``value`` takes (``None``: any; a glob ``value`` is covered only by ``*`` or itself)."""
    if pattern is None:
        return True
    if value is None:
        return False
    if _globbed(value):
        return pattern in ("*", value)
    return fnmatch.fnmatchcase(value, pattern)


def glob_shadow(*fields: str) -> Overlap:
    """The overlap rule of glob filters: a new route ``b`` that an earlier route ``a``
    shadows (``a`` is tried first, having as many filters or more, and takes every event
    ``b`` would: ``Query``/``*`` before ``Query``/``getPost``) would never run."""

    def overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        return len(a) >= len(b) and all(covers(a.get(f), b.get(f)) for f in fields)

    return overlaps


def pair(first: Predicate, second: Predicate) -> Predicate:
    def matches(key: Hashable) -> bool:
        a, b = cast("tuple[Hashable, Hashable]", key)
        return first(a) and second(b)

    return matches


def resource_filter(field: str, value: str | None) -> Filter:
    """The filter of sources routed by one resource (queue, topic, stream) name or ARN; a
    value that is neither (a queue URL, a path) is a :class:`ConfigurationError`: it would
    match no event."""
    if value is not None and not value.startswith("arn:") and not plain_name(value):
        hint = "a name has no '/', ':' or spaces"
        if "://" in value:
            hint = f"for a URL, give its last part, {value.rstrip('/').rpartition('/')[2]!r}"
        raise ConfigurationError(f"{field} {value!r} is neither a name nor an ARN ({hint})")
    return Filter(shown(**{field: value}), resource(value))


#: what no queue, topic, stream or bucket name holds
_NOT_A_NAME = re.compile(r"[/:\s]")


def plain_name(value: str) -> bool:
    """Whether ``value`` can be a resource's name: no ``/``, ``:`` or spaces (a URL, a
    path or an ARN cannot)."""
    return _NOT_A_NAME.search(value) is None


def exact_filter(field: str, value: str | None) -> Filter:
    return Filter(shown(**{field: value}), exact(value))


def glob_filter(field: str, value: str | None) -> Filter:
    return Filter(shown(**{field: value}), glob(value))
