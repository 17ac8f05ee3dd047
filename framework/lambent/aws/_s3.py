"""Streaming an S3 object's body through the warm client, in chunks.

An S3 notification handler reads the object it was told about without holding it
in memory::

    @app.s3("uploads", events=["ObjectCreated:*"])
    async def on_upload(record: S3Record, s3: lambent.aws.S3) -> None:
        async for chunk in lambent.aws.stream_object(record, s3=s3):
            ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from lambent.aws._clients import client

if TYPE_CHECKING:
    from lambent.sources.s3 import S3Record

#: chunk size of :func:`stream_body` (bytes)
CHUNK = 1 << 16


async def stream_body(
    bucket: str,
    key: str,
    *,
    s3: Any = None,
    version_id: str | None = None,
    chunk_size: int = CHUNK,
) -> AsyncIterator[bytes]:
    """The body of ``bucket``/``key`` (the key as stored, not URL-encoded), in chunks of
    at most ``chunk_size`` bytes, read through ``s3`` (default: the warm S3 client)."""
    if s3 is None:
        s3 = await client("s3")
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id is not None:
        kwargs["VersionId"] = version_id
    response = await s3.get_object(**kwargs)
    body = response["Body"]
    async with body:
        while True:
            chunk = await body.read(chunk_size)
            if not chunk:
                return
            yield chunk


def stream_object(
    record: S3Record, *, s3: Any = None, chunk_size: int = CHUNK
) -> AsyncIterator[bytes]:
    """The body of the object an S3 notification record names (its key URL-decoded, its
    version when the bucket is versioned)."""
    return stream_body(
        record.bucket_name,
        record.key,
        s3=s3,
        version_id=record.s3.object.version_id,
        chunk_size=chunk_size,
    )
