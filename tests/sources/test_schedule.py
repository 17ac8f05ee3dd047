"""EventBridge scheduled-rule events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.schedule import SPECS, ScheduledEvent, detect, rule_name
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("schedule"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    event = msgspec.convert(raw, ScheduledEvent)
    assert isinstance(event, EventBridgeEvent)
    assert SPEC.items(event) == (event,)
    assert SPEC.item_id(event) == raw["id"]
    assert event.rule_arn == raw["resources"][0]
    assert SPEC.route_key(event, event) == event.rule_name == raw["resources"][0].split("/")[-1]
    assert SPEC.payload is not None
    assert SPEC.payload(event) == raw["detail"] == {}


@pytest.mark.parametrize(
    ("resources", "name"),
    [
        (["arn:aws:events:us-east-1:123456789012:rule/nightly"], "nightly"),
        (["arn:aws:events:us-east-1:123456789012:rule/my-bus/nightly"], "nightly"),
        ([], ""),
        (["not-an-arn"], ""),
    ],
)
def test_rule_name(resources: list[str], name: str) -> None:
    assert rule_name(resources) == name


@pytest.mark.parametrize("row", corpus.params("eventbridge", "s3-eventbridge"))
def test_other_eventbridge_events_are_not_schedules(row: corpus.Row | None) -> None:
    assert not detect(corpus.load(row))
