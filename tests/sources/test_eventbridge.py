"""EventBridge events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError
from lambent.sources._base import iso
from lambent.sources.eventbridge import SPECS, EventBridgeEvent, detect
from lambent.testing import FakeContext, eventbridge_event
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
    assert SPEC.payload_format == "decoded"
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


@pytest.mark.parametrize(
    ("glob", "specific"),
    [
        ((None, "Order*"), (None, "OrderPlaced")),
        (("shop.*", None), ("shop.web", None)),
        (("shop.*", "*"), ("shop.web", "Paid")),
    ],
)
def test_a_route_after_a_glob_that_takes_all_its_events_is_refused(
    glob: tuple[str | None, str | None], specific: tuple[str | None, str | None]
) -> None:
    """Routes of as many filters are tried in registration order: the specific route
    would register and never run."""
    app = App()
    app.eventbridge(source=glob[0], detail_type=glob[1])(lambda: "glob")
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.eventbridge(source=specific[0], detail_type=specific[1])(lambda: "specific")


def test_a_specific_route_before_its_glob_runs_for_its_events() -> None:
    app = App()

    @app.eventbridge(detail_type="OrderPlaced")
    def placed() -> str:
        return "specific"

    @app.eventbridge(detail_type="Order*")
    def orders() -> str:
        return "glob"

    # neither takes all of the other's events: both register
    app.eventbridge(source="shop.web")(lambda: "source")
    app.eventbridge(source="billing", detail_type="Order*")(lambda: "billing")
    app.eventbridge(source="shop.*", detail_type="Refund*")(lambda: "refund")

    def run(source: str, detail_type: str) -> Any:
        event = eventbridge_event({}, source=source, detail_type=detail_type)
        return app.handler(event, FakeContext())

    assert run("billing", "OrderPlaced") == "billing"  # more filters: tried first
    assert run("web", "OrderPlaced") == "specific"
    assert run("web", "OrderShipped") == "glob"
    assert run("shop.web", "Ping") == "source"
    assert run("shop.app", "RefundIssued") == "refund"


class Placed(msgspec.Struct):
    order_id: str
    total: int


def test_a_detail_decodes_as_strictly_as_a_json_body() -> None:
    """The detail is JSON, so it is converted into the declared type as an SQS body's
    text is decoded: ``"5"`` for an ``int`` fails that event naming the field (it was
    taken as 5, where the same payload on a queue failed)."""
    from lambent import DecodeError

    app = App()
    totals: list[int] = []

    @app.eventbridge()
    def placed(order: Placed) -> None:
        totals.append(order.total)

    app.handler(eventbridge_event({"order_id": "o1", "total": 5}), FakeContext())
    with pytest.raises(DecodeError) as caught:
        app.handler(eventbridge_event({"order_id": "o2", "total": "5"}), FakeContext())
    assert caught.value.path == "$.total"
    assert totals == [5]
