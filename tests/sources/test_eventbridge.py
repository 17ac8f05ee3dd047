"""EventBridge events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources._base import iso
from lambent.sources.eventbridge import SPECS, EventBridgeEvent, detect
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("eventbridge", "s3-eventbridge", "schedule"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    event = msgspec.convert(raw, EventBridgeEvent)
    assert SPEC.items(event) == (event,)
    assert SPEC.item_id(event) == raw["id"]
    assert SPEC.route_key(event, event) == (raw["source"], raw["detail-type"])
    assert event.account == raw["account"]
    assert event.region == raw["region"]
    assert event.resources == raw["resources"]
    assert event.timestamp == iso(raw["time"])
    assert SPEC.payload is not None
    assert SPEC.payload(event) == raw["detail"]
    assert SPEC.payload_format == "python"
    assert event.replay_name == raw.get("replay-name")


def test_bad_time_gives_no_timestamp() -> None:
    event = msgspec.convert(
        {"source": "a", "detail-type": "b", "detail": {}, "time": "yesterday"}, EventBridgeEvent
    )
    assert event.timestamp is None


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"version": "0", "source": "a", "detail-type": "b", "detail": {}}, True),
        ({"source": "a", "detail-type": "b", "detail": {}}, True),
        ({"version": "0", "source": "a", "detail-type": "b"}, False),
        ({"version": "0", "source": "aws.cloudwatch", "alarmData": {}}, False),
        ({"version": "1.0", "source": "a", "detail-type": "b", "detail": {}}, False),
    ],
)
def test_detect(event: dict[str, Any], expected: bool) -> None:
    assert detect(event) is expected
