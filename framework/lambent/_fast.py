"""The fast paths, each behind one switch, so tests can compare them with the general path.

Every shortcut lambent takes on the hot path answers exactly as the general path would;
``tests/test_fast.py`` and ``tests/http/test_fast.py`` run the same events both ways
(:func:`general_path`) and compare; :func:`counting` tells them which road answered.
The switches are read when an app is frozen (its first invocation) or per event where
noted; they are not a user option.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar


class FastPaths:
    """The switches (a plain class: a dataclass would cost import time)."""

    #: HTTP: decode a lean view of the request first (per event)
    lean_views: bool = True
    #: HTTP: render a plain handler result without building a Response (per event)
    direct_render: bool = True
    #: HTTP: a route taking only path parameters gets them as its keyword arguments
    path_only: bool = True
    #: batches: decode lean Structs when no route needs the full records (at freeze)
    lean_records: bool = True
    #: lean batches of one route read straight from the runtime's dicts (per event)
    raw_records: bool = True
    #: batches: specialised handler calls (one payload parameter, two positional ones)
    fused_calls: bool = True
    #: plain handlers run one after another without the task machinery (per batch)
    inline_runs: bool = True
    #: a batch whose items all run one plain route, in no order group, runs in one loop
    #: with a payload-only handler's call fused into it (per batch)
    single_route_runs: bool = True
    #: an app whose handlers are all plain runs without an event loop (at freeze)
    loop_free: bool = True
    #: lambent.runtime: record events decode from the invocation's bytes straight into
    #: Structs (per event)
    raw_bytes: bool = True
    #: HTTP: a loop-free app answers requests through routes compiled at freeze
    #: (:mod:`lambent.http._compiled`)
    compiled_http: bool = True
    #: HTTP: compiled routes detect the source with the steps that can answer for the
    #: app's HTTP sources (:func:`lambent.sources.detector`; at freeze)
    http_detection: bool = True
    #: lambent.runtime: an HTTP-only app's compiled routes answer from the invocation's
    #: bytes decoded into the source's lean view (``WebSpec.from_bytes``; at freeze)
    lean_bytes: bool = True
    #: compiled HTTP routes: the request line of an event whose own fields settle its
    #: detection (``WebSpec.certain``: API Gateway's) read before detection, which it
    #: then skips (``lambent.sources.certain_reader``; per event)
    certain_lines: bool = True
    #: lambent.runtime: a large batch of one top-level key (a small one too, when the app
    #: has a compiled answer for it) is detected from the head of its bytes and decoded in
    #: one pass (per event)
    head_probe: bool = True
    #: lambent.runtime: such a batch decodes only each record's id, payload and route key
    #: when nothing else is read (per event)
    bare_records: bool = True
    #: lambent.runtime: a batch of the route key the last one decoded with
    #: ``SourceSpec.bare_keyed`` had is decoded with the same type straight away, without
    #: the head probe, when its source is the first detection asks (per event)
    learned_keys: bool = True
    #: a loop-free app answers raw batches of one plain route (``raw_records``), and
    #: lambent.runtime's batches decoded into Structs of one route key, through functions
    #: compiled at freeze (:mod:`lambent._compiled`)
    compiled_records: bool = True
    #: lambent's own log lines rendered straight to JSON when lambent's Lambda logger
    #: would write them (decided once per invocation)
    direct_logs: bool = True
    #: lambent's direct lines whose keys are all their own are joined from JSON pieces
    #: (the head's encoded once per step; :meth:`lambent._lines.Lines.add`; per line)
    joined_lines: bool = True
    #: the failure lines of a batch joined in one pass, the checks made once for all
    #: (:meth:`lambent._lines.Lines.own_all`; per batch)
    batch_lines: bool = True
    #: the single-route loop reads the clock every few records while the deadline is
    #: far (:data:`lambent._inline.STRIDE`, :data:`lambent._inline.FAR`; per batch)
    deadline_stride: bool = True
    #: the remaining time of lambent's own contexts read from their deadline, without
    #: the method call (:func:`lambent._deadline.remaining_seconds`; per event)
    wall_deadline: bool = True
    #: compiled HTTP routes: a request line naming a compiled route key is answered by
    #: that route's lane, its constants bound at freeze (:mod:`lambent.http._lanes`)
    route_lanes: bool = True
    #: lambent.runtime's loop-free loop: an invocation the compiled HTTP routes answer
    #: runs without a coroutine (``AppTarget.invoke_now``; per event)
    plain_invoke: bool = True


FAST = FastPaths()

#: what a fast path returns when the general path must answer instead
MISS: object = object()


class Pending:
    """What a fast path returns when the rest of its answer is to await: the caller runs
    ``awaitable`` as the general path would (loop-free, or on the caller's loop)."""

    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Coroutine[Any, Any, Any]) -> None:
        self.awaitable = awaitable


@contextlib.contextmanager
def general_path() -> Iterator[None]:
    """Switch every fast path off for the block (apps frozen inside it keep that choice)."""
    names = [name for name, value in vars(FastPaths).items() if type(value) is bool]
    for name in names:
        setattr(FAST, name, False)
    try:
        yield
    finally:
        for name in names:
            delattr(FAST, name)  # back to the class defaults


A = TypeVar("A", bound=Callable[..., Any])

#: the tally of :func:`counting`, while a block of it runs
_tally: Counter[str] | None = None


@contextlib.contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count, per road, the invocations the fast roads of apps frozen inside the block
    answer (for as long as those apps live): which road answered, seen from outside."""
    global _tally
    outer, _tally = _tally, Counter()
    try:
        yield _tally
    finally:
        _tally = outer


def counted(road: str, answer: A) -> A:
    """``answer`` (a road's, returning :data:`MISS` for what it does not take), counting
    under ``road`` each invocation it answers when made inside :func:`counting`; else
    ``answer`` itself: nothing is added to the hot path."""
    tally = _tally
    if tally is None:
        return answer

    def answering(*args: Any) -> Any:
        out = answer(*args)
        if out is not MISS:
            tally[road] += 1
        return out

    return answering  # type: ignore[return-value]
