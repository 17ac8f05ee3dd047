"""S3 notifications through an SQS queue reach ``@app.s3`` handlers.

S3 → SQS (or S3 → SNS → SQS) is the usual way to buffer uploads. lambent unwraps
the notification inside each SQS record and routes it by bucket, key prefix and
suffix; keys arrive URL-decoded. A failing S3 handler fails *its SQS record*,
reported in ``batchItemFailures`` by message id.
"""

from __future__ import annotations

from typing import Any

from lambent import App
from lambent.sources.s3 import S3Record
from lambent.testing import FakeContext, s3_event, sqs_event

app = App()
thumbnails: list[str] = []


@app.s3("photos", prefix="uploads/", suffix=".jpg")
async def make_thumbnail(photo: S3Record) -> None:
    if photo.s3.object.size == 0:
        raise ValueError(f"{photo.key} is empty")
    thumbnails.append(photo.key)


def run() -> dict[str, Any]:
    thumbnails.clear()
    event = sqs_event(
        s3_event("uploads/beach day.jpg", bucket="photos"),
        s3_event("uploads/empty.jpg", bucket="photos", size=0),
        queue="photo-uploads",
    )
    result = app.handler(event, FakeContext())
    ids = [r["messageId"] for r in event["Records"]]
    failed = [ids.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]
    return {"thumbnails": list(thumbnails), "failed_positions": failed}


if __name__ == "__main__":
    print(run())
