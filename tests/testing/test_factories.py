"""The factories table (lambent.testing.FACTORIES): every kind detected as itself, default
events JSON and reproducible; what each factory module puts in its events is in
tests/testing/events/."""

from __future__ import annotations

import json

import pytest

from lambent import testing as t
from lambent.sources import detect
from tests.testing.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_detection_names_the_factory_kind(case: Case) -> None:
    assert detect(case.build()) == case.kind


@pytest.mark.parametrize("kind", sorted(t.FACTORIES))
def test_default_events_are_json_and_reproducible(kind: str) -> None:
    first = t.sample_event(kind, seed=7, at=1_700_000_000)
    assert json.loads(json.dumps(first)) == first
    assert t.sample_event(kind, seed=7, at=1_700_000_000) == first
    assert detect(first) == kind


def test_ids_differ_without_a_seed() -> None:
    assert (
        t.sqs_event("a")["Records"][0]["messageId"] != t.sqs_event("a")["Records"][0]["messageId"]
    )


def test_sample_event_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="no event factory for 'nope'"):
        t.sample_event("nope")
