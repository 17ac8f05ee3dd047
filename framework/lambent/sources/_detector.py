"""The registry's detection in fewer steps for some targets (an app's HTTP sources), with
the same answer: :func:`detector`, made once, at an app's freeze, through
:func:`lambent.sources.detector` (which hands it the registry as it is then).

The sources that come before the last target in detection order are split, by the keys
their events must have (their ``requires``, and their module's
:attr:`~lambent.sources.Source.keys`), into the *foreign* ones, whose keys are none the
targets' events carry, and the rest. An event with none of the foreign sources' keys
cannot be claimed by them, so only the rest run, in order, as
:func:`~lambent.sources.spec_for` would; an event with one of those keys, a registry
changed since, or an event no step claims is answered by ``spec_for`` itself. No detector
is skipped on anything but a missing key it requires, and a foreign module is left
unimported, as ``spec_for`` leaves it for events without its keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambent.sources import Source
    from lambent.sources._protocol import EventSource

from lambent._errors import RoutingError, describe

__all__ = ["detection_failed", "detector"]

#: one detection step: the key the source requires (or None), keys one of which the
#: event must have (or None), its detector, the source
_Step = tuple[str | None, tuple[str, ...] | None, Callable[[Any], bool], "EventSource"]
#: ``decide(event)``: the source of a dict event, or None for a direct invocation
Decide = Callable[[dict[str, Any]], Any]


def detector(
    targets: Collection[EventSource],
    *,
    user: Sequence[EventSource],
    entries: Sequence[Source],
    specs_of: Callable[[int], tuple[EventSource, ...]],
    spec_for: Decide,
    generation: Callable[[], int],
) -> Decide:
    """``decide(event)``, always ``spec_for(event)``, in fewer steps for the events of
    ``targets``; the registry given as it is now: its ``user`` sources, its built-in
    module ``entries`` in detection order, ``specs_of(index)`` (importing the entry's
    module), and its ``generation()`` (a new one: ``spec_for`` answers every event)."""
    ids = {id(t) for t in targets}
    kinds = {t.kind for t in targets}
    mine = [i for i, entry in enumerate(entries) if kinds.intersection(entry.kinds)]
    # the keys the targets' events have: their own, and their modules' (which say which
    # sources share their events' keys); whether a source is foreign is only a choice of
    # which events take the short way, never of the answer
    wanted = {t.requires for t in targets if t.requires is not None}
    for index in mine:
        wanted.update(entries[index].keys or ())
    foreign: set[str] = set()
    steps: list[_Step] = []

    def add(spec: EventSource, one_of: tuple[str, ...] | None) -> None:
        needs = (spec.requires,) if spec.requires is not None else one_of
        if id(spec) not in ids and needs is not None and wanted.isdisjoint(needs):
            foreign.update(needs)  # never run: the event has none of these keys
        elif not spec.array:
            implied = one_of is None or spec.requires in one_of
            steps.append((spec.requires, None if implied else one_of, spec.detect, spec))

    for spec in user:
        add(spec, None)
    for index in range(max(mine, default=-1) + 1):
        keys = entries[index].keys
        if index not in mine and keys is not None and wanted.isdisjoint(keys):
            foreign.update(keys)  # the module's sources claim only events with one of them
            continue
        for spec in specs_of(index):
            add(spec, keys)
    ends = [i for i, step in enumerate(steps) if id(step[3]) in ids]
    if not ends:
        return spec_for
    return _decide(frozenset(foreign), tuple(steps[: ends[-1] + 1]), spec_for, generation)


def _decide(
    foreign: frozenset[str],
    steps: tuple[_Step, ...],
    spec_for: Decide,
    generation: Callable[[], int],
) -> Decide:
    made = generation()

    def decide(event: dict[str, Any]) -> Any:
        if made != generation() or not foreign.isdisjoint(event):
            return spec_for(event)
        try:
            for requires, one_of, detect, spec in steps:
                if requires is not None and requires not in event:
                    continue
                if one_of is not None and not any(key in event for key in one_of):
                    continue
                if detect(event):
                    return spec
        except Exception as exc:
            raise detection_failed(spec, exc) from exc
        return spec_for(event)  # no target's: a later source or a direct invocation

    return decide


def detection_failed(spec: EventSource, exc: Exception) -> RoutingError:
    """The error of an invocation whose event ``spec``'s ``detect`` raised on (a user's
    source whose detector assumes a key or a type): it names the source and what its
    detector raised, and no later source is asked (the answer would depend on the bug)."""
    return RoutingError(
        spec.kind,
        {},
        f"source {spec.kind!r} could not tell whether the event is its own: its detect "
        f"raised {describe(exc)} (a detector must answer True or False for any JSON object)",
    )
