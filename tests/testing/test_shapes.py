"""Every factory event has the shape of the real events of its kind (see ``shape.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import corpus
from tests.testing import shape
from tests.testing.cases import CASES, EXCLUSIVE, FRAGMENTS, VARIANTS, Case


def _variant(kind: str, event: object) -> str:
    pick = VARIANTS.get(kind)
    return kind if pick is None else pick(event)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_factory_event_has_the_shape_of_real_events(case: Case) -> None:
    corpus.require()
    rows = corpus.rows(case.kind)
    loaded = [(row.path, row.load()) for row in rows]
    same = [(path, e) for path, e in loaded if _variant(case.kind, e) == case.variant]
    assert same, f"no corpus event of {case.kind}/{case.variant}"
    allowed = [e for _, e in (same if case.kind in EXCLUSIVE else loaded)]
    complete = [e for path, e in same if path not in FRAGMENTS]
    problems = shape.mismatches(
        case.build(), allowed, complete, extra=case.extra, optional=case.optional
    )
    assert problems == [], "\n".join(problems)


def test_every_kind_has_a_case() -> None:
    from lambent.testing import FACTORIES

    # a direct invocation's event is the caller's payload: AWS gives it no shape to compare
    assert {c.kind for c in CASES} == set(FACTORIES) - {"direct"}


def test_decoded_cloudwatch_logs_have_the_shape_of_real_ones() -> None:
    from lambent.testing import cloudwatch_logs_event, decode_logs

    corpus.require()
    reals = [decode_logs(row.load()) for row in corpus.rows("cloudwatch-logs")]
    problems = shape.mismatches(
        decode_logs(cloudwatch_logs_event("a", "b")), reals, optional=("$.policyLevel",)
    )
    assert problems == [], "\n".join(problems)


def test_shape_helper() -> None:
    real = {"a": 1, "m": None, "headers": {"X": "1"}, "l": [{"k": "v"}], "detail": {"z": 1}}
    assert shape.shape(real) == {
        "$": {"object"}, "$.a": {"int"}, "$.m": {"null"}, "$.headers": {"object"},
        "$.headers.{*}": {"string"}, "$.l": {"array"}, "$.l[]": {"object"},
        "$.l[].k": {"string"}, "$.detail": {"object"},
    }  # fmt: skip
    ok: dict[str, Any] = {
        "a": 2,
        "m": None,
        "headers": {"Y": "2"},
        "l": [],
        "detail": {"other": [1]},
    }
    assert shape.mismatches(ok, [real]) == []
    bad = {"a": "2", "headers": {}, "l": [{"k": "v", "new": 1}], "detail": {}}
    assert shape.mismatches(bad, [real]) == [
        "$.a: ['string'] not in AWS's ['int']",
        "invented key $.l[].new",
        "missing key $.m",
    ]
