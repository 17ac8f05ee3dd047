"""Route predicates shared by the source modules, and the filters a decorator builds.

A decorator such as ``@app.sqs("orders")`` gives its keyword filters to the source, whose
``route_filter`` turns them into a :class:`Filter`: the filters as shown (``lambent
routes``, conflict messages) and a predicate over the source's route key. Predicates are
built once, when the decorator runs.
"""

from __future__ import annotations

import collections
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
    ``value`` (a glob or a plain value) takes (``None``: any): every key ``value`` matches,
    ``pattern`` matches too (``nightly-*`` covers ``nightly-[ab]?``, not ``nightly?*``)."""
    if pattern is None:
        return True
    if value is None:
        return False
    if not _globbed(value):
        return glob(pattern)(value)
    return pattern == value or _search(pattern, value) == (True, None)


#: how many pairs of glob states :func:`uncovered` explores before it gives up (a glob
#: such as ``*-????????????????`` has exponentially many): not covered, then
_EXPLORE = 5_000

_Token = tuple[str, str]  # ("*", ""), ("?", ""), ("[", set text), ("=", a character)
_Pair = tuple[frozenset[int], frozenset[int]]  # where a key leaves the value's and the pattern's


def _tokens(pattern: str) -> list[_Token]:
    """``pattern`` read as :func:`fnmatch.translate` reads it: ``*`` (runs of them as
    one), ``?``, a ``[...]`` set (an unclosed ``[`` is the character) or a character."""
    out: list[_Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1][0] != "*":
                out.append(("*", ""))
        elif c == "?":
            out.append(("?", ""))
        elif c == "[":
            j = i + (i < n and pattern[i] == "!")
            j += j < n and pattern[j] == "]"
            j = pattern.find("]", j)
            if j < 0:
                out.append(("=", c))
            else:
                out.append(("[", pattern[i - 1 : j + 1]))
                i = j + 1
        else:
            out.append(("=", c))
    return out


def _accepts(token: _Token, char: str) -> bool:
    kind, text = token
    if kind == "=":
        return char == text
    return kind == "?" or fnmatch.fnmatchcase(char, text)  # a set tells itself


def _classes(*patterns: list[_Token]) -> list[str]:
    """One character of each class the patterns cannot tell apart: every character a
    pattern names (or a set's range ends at) starts a class, as does the one after it."""
    starts = {0}
    for tokens in patterns:
        for _, text in tokens:
            for ch in text:
                starts.update((ord(ch), ord(ch) + 1))
    return [chr(s) for s in sorted(starts) if s <= 0x10FFFF]


def _step(
    tokens: list[_Token], states: frozenset[int], char: int, table: list[int]
) -> frozenset[int]:
    """The glob's states after one more character (of class ``char``)."""
    moved = set()
    for i in states:
        if i < len(tokens):
            if tokens[i][0] == "*":
                moved.add(i)
            elif table[i] >> char & 1:
                moved.add(i + 1)
    return _closure(tokens, moved)


def _closure(tokens: list[_Token], states: set[int]) -> frozenset[int]:
    """``states`` and those a ``*`` (matching nothing) leads on to."""
    todo = list(states)
    while todo:
        i = todo.pop()
        if i < len(tokens) and tokens[i][0] == "*" and i + 1 not in states:
            states.add(i + 1)
            todo.append(i + 1)
    return frozenset(states)


def uncovered(pattern: str, value: str) -> str | None:
    """A key glob ``value`` matches and glob ``pattern`` does not (a shortest one), or None
    when there is none (or when the globs are too intricate to tell within
    :data:`_EXPLORE` steps: :func:`covers` then says no)."""
    return _search(pattern, value)[1]


def _search(pattern: str, value: str) -> tuple[bool, str | None]:
    """``(finished, uncovered key)``: the globs' states explored in step, key by key,
    breadth first, until a key ``value`` matches and ``pattern`` does not."""
    a, b = _tokens(pattern), _tokens(value)
    chars = _classes(a, b)
    tables = [
        [sum(1 << c for c, ch in enumerate(chars) if _accepts(t, ch)) for t in tokens]
        for tokens in (a, b)
    ]
    start = (_closure(b, {0}), _closure(a, {0}))
    seen: dict[_Pair, tuple[_Pair | None, str]] = {start: (None, "")}
    todo = collections.deque([start])
    while todo and len(seen) <= _EXPLORE:
        pair = todo.popleft()
        in_b, in_a = pair
        if len(b) in in_b and len(a) not in in_a:
            word: list[str] = []
            back: _Pair | None = pair
            while back is not None:
                back, ch = seen[back]
                word.append(ch)
            return True, "".join(reversed(word))
        for c, ch in enumerate(chars):
            after = (_step(b, in_b, c, tables[1]), _step(a, in_a, c, tables[0]))
            if after[0] and after not in seen:
                seen[after] = (pair, ch)
                todo.append(after)
    return not todo, None


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
    """The filter of sources routed by one resource (queue, topic, stream) name or ARN
    (:func:`checked_resource`)."""
    return Filter(shown(**{field: value}), checked_resource(field, value))


def checked_resource(field: str, value: str | None) -> Predicate:
    """:func:`resource` of a name or ARN that can match an event; a value that is neither
    (a queue URL, a path) or a glob (resource names are matched exactly, and hold none of
    ``*?[``) is a :class:`ConfigurationError`: it would match no event."""
    if value is None:
        return resource(value)
    no_glob(field, value, "by name or ARN")
    if not value.startswith("arn:") and not plain_name(value):
        hint = "a name has no '/', ':' or spaces"
        if "://" in value:
            hint = f"for a URL, give its last part, {value.rstrip('/').rpartition('/')[2]!r}"
        raise ConfigurationError(f"{field} {value!r} is neither a name nor an ARN ({hint})")
    return resource(value)


def no_glob(field: str, value: str | None, how: str = "by name") -> str | None:
    """``value``, refused when it is a glob (a :class:`ConfigurationError`): names of
    ``field`` (queues, topics, streams, tables) hold none of ``*?[`` and are matched
    exactly, so a glob would match no event."""
    if value is not None and _GLOB_CHARS.search(value) is not None:
        raise ConfigurationError(
            f"{field} {value!r} is a glob, but {field}s are matched exactly, {how} "
            f"(no {field} name holds '*', '?' or '['): register the handler for each {field}, "
            f"or leave {field} out to take every one"
        )
    return value


#: what makes a pattern a glob (none of these is in a queue, topic, stream or table name)
_GLOB_CHARS = re.compile(r"[*?\[]")


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
