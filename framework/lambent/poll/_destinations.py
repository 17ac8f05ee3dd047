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
from lambent.poll._errors import explain
from lambent.poll._options import PollError, Source

#: what sending to each kind of destination takes
PERMISSIONS = {"sqs": "sqs:GetQueueUrl, sqs:SendMessage", "sns": "sns:Publish"}


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

    async def prepare(self) -> None:
        """Find the destination before anything is read: a queue or topic that does not
        exist (or a queue the poller may not look up) raises :class:`PollError`, as the
        source's own mistakes do. A topic's attributes are read only to find it: being
        denied them is no mistake (publishing needs ``sns:Publish`` alone)."""
        try:
            if self.service == "sqs":
                await self._queue_url()
            else:
                await self.retry.call(self.client.get_topic_attributes, TopicArn=self.arn)
        except Exception as exc:
            error = self.explain(exc)
            if self.service == "sqs" or "does not exist" in str(error):
                raise error from None

    def explain(self, exc: Exception) -> PollError:
        """What went wrong with the destination, in one line that says what to fix."""
        where = Source(self.service, self.arn, self.arn.split(":")[3], self.account, self.name)
        return explain(exc, where, "on-failure destination", PERMISSIONS[self.service])

    async def _queue_url(self) -> str:
        if self._url is None:
            got = await self.retry.call(
                self.client.get_queue_url, QueueName=self.name, QueueOwnerAWSAccountId=self.account
            )
            self._url = str(got["QueueUrl"])
        return self._url

    async def send(self, record: dict[str, Any]) -> None:
        body = json.dumps(record)
        if self.service == "sns":
            await self.retry.call(self.client.publish, TopicArn=self.arn, Message=body)
            return
        url = await self._queue_url()
        await self.retry.call(self.client.send_message, QueueUrl=url, MessageBody=body)
