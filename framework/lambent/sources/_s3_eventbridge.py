"""The shape of an S3 event delivered by EventBridge, and its notification ``eventName``.

LAMBDA.md §5.3: ``source == "aws.s3"``; ``detail`` holds ``bucket.name``, ``object``
(``key``, ``size``, ``etag``, ``version-id``, ``sequencer``), ``reason``,
``deletion-type``, ``requester``, ``source-ip-address`` and ``request-id``, all
hyphenated. :func:`lambent.sources.s3.extract_s3` converts the event to
:class:`EventBridgeS3Event` first, so a ``detail`` (or ``bucket``, ``object``) that is
not an object fails with a ``msgspec.ValidationError`` naming the field
(``$.detail.bucket``) instead of an ``AttributeError``; absent or null parts stay empty.
"""

from __future__ import annotations

import msgspec


class EventBridgeS3Bucket(msgspec.Struct, frozen=True, gc=False):
    name: str = ""


class EventBridgeS3Object(msgspec.Struct, rename="kebab", frozen=True, gc=False):
    key: str = ""
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None


class EventBridgeS3Detail(msgspec.Struct, rename="kebab", frozen=True, gc=False):
    bucket: EventBridgeS3Bucket | None = None
    object: EventBridgeS3Object | None = None
    reason: str | None = None
    deletion_type: str | None = None
    requester: str | None = None
    source_ip_address: str | None = None
    request_id: str | None = None


class EventBridgeS3Event(msgspec.Struct, rename="kebab", frozen=True, gc=False):
    detail_type: str = ""
    region: str | None = None
    time: str | None = None
    resources: tuple[str, ...] = ()
    detail: EventBridgeS3Detail | None = None


#: EventBridge ``reason`` of an "Object Created" event -> notification event name
_CREATED = {
    "PutObject": "ObjectCreated:Put",
    "POST Object": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}
#: other EventBridge detail types -> notification event name
_DETAIL_TYPES = {
    "Object Restore Initiated": "ObjectRestore:Post",
    "Object Restore Completed": "ObjectRestore:Completed",
    "Object Restore Expired": "ObjectRestore:Delete",
    "Object Storage Class Changed": "LifecycleTransition",
    "Object Access Tier Changed": "IntelligentTiering",
    "Object ACL Updated": "ObjectAcl:Put",
    "Object Tags Added": "ObjectTagging:Put",
    "Object Tags Deleted": "ObjectTagging:Delete",
}


def event_name(detail_type: str, reason: object, deletion_type: object) -> str:
    """The notification ``eventName`` of an S3 EventBridge event of ``detail_type``."""
    if detail_type == "Object Created":
        return _CREATED.get(str(reason), "ObjectCreated:Put")
    if detail_type == "Object Deleted":
        marker = deletion_type == "Delete Marker Created"
        if reason == "Lifecycle Expiration":
            return (
                "LifecycleExpiration:DeleteMarkerCreated"
                if marker
                else "LifecycleExpiration:Delete"
            )
        return "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete"
    return _DETAIL_TYPES.get(detail_type, detail_type)
