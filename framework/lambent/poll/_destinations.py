"""On-failure destinations of stream sources: the record Lambda sends (LAMBDA.md §4.5).

Metadata only: which shard, which sequence numbers, why, how many attempts. The
records themselves stay in the stream (read them again by sequence number).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from lambent.poll._backoff import Retrier


def _iso(epoch: float) -> str:
    at = datetime.fromtimestamp(epoch, UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def failure_record(
    *,
    function_arn: str,
    condition: str,
    attempts: int,
    info_key: str,
    shard: str,
    stream_arn: str,
    sequences: tuple[str, str],
    arrivals: tuple[float, float],
    size: int,
) -> dict[str, Any]:
    now = datetime.now(UTC).timestamp()
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": _iso(now),
        info_key: {
            "shardId": shard,
            "startSequenceNumber": sequences[0],
            "endSequenceNumber": sequences[1],
            "approximateArrivalOfFirstRecord": _iso(arrivals[0]),
            "approximateArrivalOfLastRecord": _iso(arrivals[1]),
            "batchSize": size,
            "streamArn": stream_arn,
        },
    }


class Destination:
    """An SQS queue or SNS topic, by ARN."""

    def __init__(self, arn: str, client: Any, retry: Retrier) -> None:
        self.arn = arn
        parts = arn.split(":")
        self.service, self.account, self.name = parts[2], parts[4], parts[5]
        self.client, self.retry = client, retry
        self._url: str | None = None

    async def send(self, record: dict[str, Any]) -> None:
        body = json.dumps(record)
        if self.service == "sns":
            await self.retry.call(self.client.publish, TopicArn=self.arn, Message=body)
            return
        if self._url is None:
            got = await self.retry.call(
                self.client.get_queue_url, QueueName=self.name, QueueOwnerAWSAccountId=self.account
            )
            self._url = str(got["QueueUrl"])
        await self.retry.call(self.client.send_message, QueueUrl=self._url, MessageBody=body)
