from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lambent.sources import _s3_eventbridge as eb


def test_hyphenated_fields_decode() -> None:
    event = msgspec.convert(
        {
            "detail-type": "Object Deleted",
            "resources": ["arn:aws:s3:::b"],
            "detail": {
                "bucket": {"name": "b"},
                "object": {"key": "k", "version-id": "v1"},
                "deletion-type": "Delete Marker Created",
                "source-ip-address": "10.0.0.1",
                "request-id": "R",
            },
        },
        eb.EventBridgeS3Event,
    )
    assert event.detail_type == "Object Deleted"
    assert event.resources == ("arn:aws:s3:::b",)
    detail = event.detail
    assert detail is not None and detail.object is not None and detail.bucket is not None
    assert (detail.bucket.name, detail.object.key, detail.object.version_id) == ("b", "k", "v1")
    assert (detail.deletion_type, detail.source_ip_address, detail.request_id) == (
        "Delete Marker Created",
        "10.0.0.1",
        "R",
    )


@pytest.mark.parametrize(
    ("detail", "path"),
    [
        ("text", "$.detail"),
        ([1], "$.detail"),
        ({"bucket": "b"}, "$.detail.bucket"),
        ({"object": [1]}, "$.detail.object"),
        ({"object": {"size": "big"}}, "$.detail.object.size"),
    ],
)
def test_a_part_of_the_wrong_type_names_its_field(detail: Any, path: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=f"at `\\{path}`$"):
        msgspec.convert({"detail": detail}, eb.EventBridgeS3Event)


def test_null_parts_stay_empty() -> None:
    event = msgspec.convert({"detail": {"bucket": None, "object": None}}, eb.EventBridgeS3Event)
    assert event.detail == eb.EventBridgeS3Detail()
    assert msgspec.convert({"detail": None}, eb.EventBridgeS3Event).detail is None


@pytest.mark.parametrize(
    ("detail_type", "reason", "deletion_type", "expected"),
    [
        ("Object Created", None, None, "ObjectCreated:Put"),
        ("Object Created", "CopyObject", None, "ObjectCreated:Copy"),
        ("Object Deleted", "DeleteObject", "Delete Marker Created", "ObjectRemoved:DeleteMarkerCreated"),
        ("Object Deleted", "Lifecycle Expiration", "Delete Marker Created",
         "LifecycleExpiration:DeleteMarkerCreated"),
        ("Object Restore Completed", None, None, "ObjectRestore:Completed"),
        ("Something New", None, None, "Something New"),
    ],
)  # fmt: skip
def test_event_name(detail_type: str, reason: str | None, deletion_type: str | None,
                    expected: str) -> None:  # fmt: skip
    assert eb.event_name(detail_type, reason, deletion_type) == expected
