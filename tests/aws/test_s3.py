"""Streaming the object an S3 notification names, through the warm client."""

from __future__ import annotations

from typing import Any

import pytest

import lambent.aws as aws
from lambent import App
from lambent.sources.s3 import S3Record
from lambent.testing import FakeContext
from tests.aws.conftest import boto

pytestmark = pytest.mark.network


def s3_event(bucket: str, raw_key: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2024-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": raw_key, "size": 1, "eTag": "x", "sequencer": "0A"},
                },
            }
        ]
    }


async def test_a_notification_handler_streams_the_body_in_chunks(moto_url: str) -> None:
    s3: Any = boto("s3", moto_url)
    s3.create_bucket(Bucket="uploads")
    body = bytes(range(256)) * 1000  # 256,000 bytes
    s3.put_object(Bucket="uploads", Key="red flower+1.bin", Body=body)
    chunks: list[bytes] = []
    app = App()

    @app.s3("uploads")
    async def on_upload(record: S3Record, client: aws.S3) -> None:
        async for chunk in aws.stream_object(record, s3=client, chunk_size=65_536):
            chunks.append(chunk)

    aws.configure(endpoint_url=moto_url)
    try:
        async with aws.clients():
            await app.dispatch(s3_event("uploads", "red+flower%2B1.bin"), FakeContext())
            assert b"".join(chunks) == body
            assert len(chunks) >= 4 and all(len(c) <= 65_536 for c in chunks)
            streamed = [c async for c in aws.stream_body("uploads", "red flower+1.bin")]
            assert b"".join(streamed) == body
    finally:
        aws.configure()
