"""An exception as lambent's Lambda logger renders it: structlog's dict form, without
frame locals, built without ``dataclasses.asdict``.

structlog's ``ExceptionDictTransformer(show_locals=False)`` extracts the exception
chain into dataclasses (``structlog.tracebacks.extract``), shortens stacks longer than
its frame limit, and turns the dataclasses into dicts with ``dataclasses.asdict``, which
deep-copies every value: about two thirds of its cost, paid on the first failure of each
exception site in every batch. :func:`exception_dicts` keeps structlog's extraction and
frame limit and turns the dataclasses into the same dicts directly (their fields read
once per class; the values are strings, numbers and lists, nothing to copy).
``tests/test_tracebacks.py`` compares both on chained, grouped, annotated, syntax and
deep exceptions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

#: field names of each dataclass structlog's extraction builds
_FIELDS: dict[type[Any], tuple[str, ...]] = {}


#: what a trace's fields hold besides dataclasses and lists (as they are)
_SCALARS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for the values of an extracted trace."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return value
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


def _stack_dicts(trace: Any) -> list[dict[str, Any]]:
    out = []
    for stack in trace.stacks:
        entry = _plain(stack)
        for frame in entry["frames"]:
            if frame.get("locals", ()) is None:  # no locals shown: no key
                del frame["locals"]
        if stack.is_group:  # each member exception is a list of stacks of its own
            entry["exceptions"] = [_stack_dicts(member) for member in stack.exceptions]
        out.append(entry)
    return out


def exception_dicts(error: BaseException) -> list[dict[str, Any]]:
    """``ExceptionDictTransformer(show_locals=False)``'s rendering of ``error``."""
    from structlog import tracebacks

    trace = tracebacks.extract(type(error), error, error.__traceback__, show_locals=False)
    limit = tracebacks.MAX_FRAMES  # the transformer's default frame limit
    for stack in trace.stacks:
        frames = stack.frames
        if len(frames) > limit:
            keep = limit // 2  # the outermost and innermost frames, a marker between
            marker = tracebacks.Frame(
                filename="", lineno=-1, name=f"Skipped frames: {len(frames) - 2 * keep}"
            )
            frames[:] = [*frames[:keep], marker, *frames[-keep:]]
    return _stack_dicts(trace)
