"""A direct invocation's event (lambent.testing.events.direct): a copy of the payload."""

from __future__ import annotations

from lambent.testing import direct_event


def test_the_event_is_a_copy_of_the_payload_whatever_the_seed_and_time() -> None:
    payload = {"action": "greet", "name": "Ada"}
    event = direct_event(payload, seed=1, at=0)
    assert event == payload and event is not payload
    event["name"] = "Grace"
    assert payload["name"] == "Ada"
    assert direct_event() == {}
