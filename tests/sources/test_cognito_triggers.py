"""The Cognito triggers' Structs and tables (``lambent.sources._cognito_triggers``, re-exported
by ``lambent.sources.cognito``): the trigger names, and which response Structs each
trigger reads, checked against LAMBDA.md §8.1's lists."""

from __future__ import annotations

import msgspec
import pytest

from lambent.sources import cognito
from lambent.sources.cognito import RESPONSES, TRIGGERS

#: LAMBDA.md §8.1: the triggers whose response has no fields (or is not read)
NO_RESPONSE = {
    "PostConfirmation_",
    "PreAuthentication_",
    "PostAuthentication_",
    "CustomEmailSender_",
    "CustomSMSSender_",
}


def test_every_known_trigger_has_its_responses_or_none() -> None:
    prefixes = set(TRIGGERS.values())
    assert set(RESPONSES) <= prefixes
    assert prefixes - set(RESPONSES) == NO_RESPONSE


def test_the_pre_token_trigger_is_named_both_ways_for_one_prefix() -> None:
    assert TRIGGERS["PreTokenGeneration"] == TRIGGERS["TokenGeneration"] == "TokenGeneration_"
    assert RESPONSES["TokenGeneration_"] == (
        cognito.PreTokenGenerationResponse,
        cognito.PreTokenGenerationV2Response,
    )


@pytest.mark.parametrize("response", sorted({t for ts in RESPONSES.values() for t in ts}, key=str))
def test_response_structs_send_only_what_is_set_by_wire_name(
    response: type[msgspec.Struct],
) -> None:
    assert msgspec.to_builtins(response()) == {}
    for field in msgspec.structs.fields(response):
        assert "_" not in field.encode_name and field.encode_name[0].islower(), field
