"""What the DynamoDB stream factories (lambent.testing.events.dynamodb) put in their
events, beyond shape: encodings, ids, options."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lambent import testing as t


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, {"N": "1"}), (Decimal("1.50"), {"N": "1.50"}), (2.5, {"N": "2.5"}),
        ("s", {"S": "s"}), (b"\x00", {"B": "AA=="}), (True, {"BOOL": True}),
        (None, {"NULL": True}), ([1, "a"], {"L": [{"N": "1"}, {"S": "a"}]}),
        ({"k": False}, {"M": {"k": {"BOOL": False}}}), ({"b", "a"}, {"SS": ["a", "b"]}),
        (frozenset({2, 1}), {"NS": ["1", "2"]}), ({b"a"}, {"BS": ["YQ=="]}),
    ],
)  # fmt: skip
def test_attribute_values(value: Any, expected: dict[str, Any]) -> None:
    assert t.attribute_value(value) == expected


def test_attribute_value_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        t.attribute_value(set())
    with pytest.raises(TypeError):
        t.attribute_value({1, "a"})
    with pytest.raises(TypeError):
        t.attribute_value(object())


@pytest.mark.parametrize(
    ("view", "images"),
    [("KEYS_ONLY", set()), ("NEW_IMAGE", {"NewImage"}), ("OLD_IMAGE", {"OldImage"}),
     ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"})],
)  # fmt: skip
def test_dynamodb_images_follow_the_view(view: Any, images: set[str]) -> None:
    change = t.Change.modify({"pk": "1", "v": 1}, {"pk": "1", "v": 2}, key="pk")
    record = t.dynamodb_event(change, view=view, table="T")["Records"][0]
    assert set(record["dynamodb"]) - {"ApproximateCreationDateTime", "Keys", "SequenceNumber",
                                      "SizeBytes", "StreamViewType"} == images  # fmt: skip
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "1"}}
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/T/")


def test_dynamodb_changes() -> None:
    event = t.dynamodb_event(
        t.Change.insert({"id": "1"}), t.Change.remove({"id": "1"}, ttl=True), at=1_700_000_000.9
    )
    insert, remove = event["Records"]
    assert (insert["eventName"], remove["eventName"]) == ("INSERT", "REMOVE")
    assert "OldImage" not in insert["dynamodb"]
    assert "NewImage" not in remove["dynamodb"]
    assert remove["userIdentity"]["principalId"] == "dynamodb.amazonaws.com"
    assert insert["dynamodb"]["ApproximateCreationDateTime"] == 1_700_000_000
    assert int(insert["dynamodb"]["SequenceNumber"]) < int(remove["dynamodb"]["SequenceNumber"])
    with pytest.raises(KeyError, match="pass key="):
        t.Change.insert({"pk": "1"})
