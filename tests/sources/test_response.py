"""What each response mode means to the pipeline (lambent.sources._response): every
registered source's mode has its rules, and the rules agree with what the source
declares and with each other."""

from __future__ import annotations

import pytest

from lambent import sources
from lambent.sources._response import RESPONSE_RULES, ResponseRules, response_rules

SPECS = sources.specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.kind}")
def test_every_source_has_rules_and_web_ones_answer_through_the_router(spec: object) -> None:
    rules = response_rules(spec)
    assert isinstance(rules, ResponseRules)
    assert rules.web == (getattr(spec, "web", None) is not None)


@pytest.mark.parametrize("mode", sorted(RESPONSE_RULES))
def test_the_rules_of_a_mode_are_consistent(mode: str) -> None:
    rules = RESPONSE_RULES[mode]
    if rules.web:  # the router answers: no batch behaviours at all
        assert not (rules.partial or rules.item_results or rules.single_result)
        assert not rules.whole_batches
    if rules.single_result:  # one item: a whole batch would be that item
        assert not rules.whole_batches and not rules.partial
    # results encoded per item are read from the items, not from the decoded Structs alone
    assert not (rules.item_results and rules.from_structs)
    assert sum([rules.partial, rules.item_results, rules.single_result, rules.web]) <= 1


def test_the_modes_the_sources_use_are_exactly_the_declared_ones() -> None:
    used = {spec.response for spec in SPECS}
    assert used == set(RESPONSE_RULES)
    with pytest.raises(KeyError):
        response_rules(type("Odd", (), {"response": "telepathy"})())
