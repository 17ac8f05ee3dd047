"""What "the same shape as AWS's events" means, as code.

The *shape* of a JSON value is a mapping from key paths to the set of JSON types
found there::

    {"$": {"object"}, "$.Records": {"array"}, "$.Records[]": {"object"},
     "$.Records[].body": {"string"}, ...}

* Types are JSON's, with numbers split: ``string``, ``int``, ``float``, ``bool``,
  ``null``, ``object``, ``array``.
* A list contributes the shapes of all its elements under ``<path>[]`` (element
  shapes are compared, not positions or lengths).
* A dict whose keys are chosen by users rather than by AWS (headers, query
  parameters, message attributes, Kafka ``records``, ...) is a *map*: its keys are
  replaced by ``{*}`` so that only the shapes of its values are compared.
* An *opaque* dict (EventBridge ``detail``, DynamoDB images, authorizer context:
  arbitrary user JSON) contributes only its own type.

A factory event F *has the shape of* a set of real events R1..Rn (one variant of
one kind) when

1. every path of F occurs in some Ri (no invented keys),
2. every path that occurs in every complete Ri occurs in F (no missing keys), and
3. at every path, each type F has there occurs at that path in some Ri (so where
   AWS itself varies, e.g. int or float seconds, either is accepted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Shape = dict[str, set[str]]

#: keys whose dict values have user-chosen keys (compared as maps)
MAP_KEYS: frozenset[str] = frozenset(
    {
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "messageAttributes",
        "MessageAttributes",
        "records",  # Kafka: "<topic>-<partition>" -> [record]; Firehose's is a list
        "rmqMessagesByQueue",
        "customHeaders",
        "properties",
    }
)

#: keys whose dict values are arbitrary user or service JSON (compared as "object" only)
OPAQUE_KEYS: frozenset[str] = frozenset(
    {
        "detail",
        "state",
        "Keys",
        "NewImage",
        "OldImage",
        "authorizer",
        "claims",
        "basicProperties",
        "clientCert",
    }
)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def shape(value: Any) -> Shape:
    out: Shape = {}
    _walk(value, "$", None, out)
    return out


def _walk(value: Any, path: str, key: str | None, out: Shape) -> None:
    out.setdefault(path, set()).add(json_type(value))
    if isinstance(value, list):
        for item in value:
            _walk(item, path + "[]", None, out)
    elif isinstance(value, Mapping):
        if key in OPAQUE_KEYS:
            return
        # Kafka record headers: a list of single-key maps {"<user key>": [signed bytes]}
        as_map = key in MAP_KEYS or path.endswith(".records.{*}[].headers[]")
        for k, v in value.items():
            child = f"{path}.{{*}}" if as_map else f"{path}.{k}"
            _walk(v, child, None if as_map else k, out)


def union(shapes: Iterable[Shape]) -> Shape:
    out: Shape = {}
    for s in shapes:
        for path, types in s.items():
            out.setdefault(path, set()).update(types)
    return out


def common(shapes: Iterable[Shape]) -> set[str]:
    paths: set[str] | None = None
    for s in shapes:
        paths = set(s) if paths is None else paths & set(s)
    return paths or set()


def mismatches(
    event: Any,
    reals: Sequence[Any],
    complete: Sequence[Any] | None = None,
    *,
    extra: Mapping[str, set[str]] | None = None,
    optional: Iterable[str] = (),
) -> list[str]:
    """Why ``event`` does not have the shape of ``reals`` (empty: it does).

    ``complete`` are the real events rule 2 uses (default: all of ``reals``; hand-
    trimmed fixtures belong in ``reals`` only). ``extra`` adds documented paths and
    types no real event shows; ``optional`` paths (and what is under them) may be
    absent. A required path under an array or map that the event has but leaves
    empty is not missing: an empty list has no element shapes.
    """
    mine = shape(event)
    allowed = union([*(shape(r) for r in reals), dict(extra or {})])
    required = common(shape(r) for r in (reals if complete is None else complete))
    skipped = tuple(optional)
    problems: list[str] = []
    for path in sorted(mine):
        if path not in allowed:
            problems.append(f"invented key {path}")
        elif not mine[path] <= allowed[path]:
            problems.append(f"{path}: {sorted(mine[path])} not in AWS's {sorted(allowed[path])}")
    for path in sorted(required - set(mine)):
        if path.startswith(skipped) or _under_empty(path, mine):
            continue
        problems.append(f"missing key {path}")
    return problems


def _under_empty(path: str, mine: Shape) -> bool:
    """Whether ``path`` lies inside an array or map that ``mine`` has, empty."""
    for marker in ("[]", ".{*}"):
        start = path.find(marker)
        while start != -1:
            container, inner = path[:start], path[: start + len(marker)]
            if container in mine and inner not in mine:
                return True
            start = path.find(marker, start + 1)
    return False
