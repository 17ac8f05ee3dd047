"""SQS standard and FIFO queues, polled as Lambda's event source mapping polls them.

``pollers`` receivers per queue long-poll (``wait_time``) for up to ``batch_size``
messages, gathering several receives while the batching ``window`` lasts. Each batch
becomes one Lambda-shaped event (LAMBDA.md §5.1). From the app's answer (§4.3):
nothing failed -> every message is deleted; ``batchItemFailures`` -> only the others
are deleted; an exception or an invalid answer -> none is. Failed messages are left
to become visible again when their visibility timeout ends, and the queue's redrive
policy moves them to its DLQ after ``maxReceiveCount`` receives: SQS does that, not
the poller. While a batch runs its messages' visibility is extended, on a schedule that
starts at the receive request (the moment from which SQS hides them), not when the
batch starts. SQS is at-least-once: a batch whose process or endpoint stalls beyond
the visibility timeout may see its messages received again elsewhere; the poller
logs it when a delete completes past that point. At shutdown a
receive in flight is let finish (at most ``wait_time``) and what it brings is made
visible again at once, as are the messages of batches cancelled when ``grace`` ends.

FIFO queues need nothing special here: SQS hands out no message of a group while an
earlier one is in flight, so any number of pollers keep each group in order.
"""

from __future__ import annotations

import base64
import math
import time
from typing import Any

import anyio

from lambent.poll._errors import explain
from lambent.poll._options import Source
from lambent.poll._runtime import Invocation, Runtime

#: the system attributes Lambda puts in a record's ``attributes``
LAMBDA_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)
PERMISSIONS = (
    "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes"
)


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    out["stringListValues"] = []
    out["binaryListValues"] = []
    out["dataType"] = value.get("DataType", "String")
    return out


def record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    """One message of ``ReceiveMessage`` as the record Lambda delivers."""
    attrs = message.get("Attributes") or {}
    out: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: str(attrs[k]) for k in LAMBDA_ATTRIBUTES if k in attrs},
        "messageAttributes": {
            name: _attribute(v) for name, v in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if message.get("MD5OfMessageAttributes"):
        out["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    out["eventSource"] = "aws:sqs"
    out["eventSourceARN"] = arn
    out["awsRegion"] = region
    return out


def failed_ids(invocation: Invocation, ids: list[str]) -> set[str]:
    """The messages to keep, from the app's answer, by Lambda's rules (LAMBDA.md §4.3)."""
    if invocation.error is not None:
        return set(ids)
    response = invocation.response
    if not isinstance(response, dict):
        return set()  # null or any JSON without batchItemFailures: a success
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(ids)
    known = set(ids)
    out: set[str] = set()
    for entry in failures:
        item = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(item, str) or not item or item not in known:
            return set(ids)  # an invalid entry or an unknown id fails the whole batch
        out.add(item)
    return out


class _Hidden:
    """Since when a batch's messages are known hidden: the monotonic time of the request
    that hid them last (SQS hides them for the visibility timeout from when it handles
    that request, which is no earlier), and whether they may have been visible since."""

    __slots__ = ("gap", "received", "seconds", "since")

    def __init__(self, since: float, seconds: int) -> None:
        self.received = since
        self.since = since
        self.seconds = seconds
        self.gap = False

    def lambdas_left(self) -> int:
        """Whole seconds (rounded up) until the visibility timeout counted from the
        receive ends: when Lambda, which extends nothing, lets a failed message be
        received again (0: it would be visible already)."""
        return max(0, math.ceil(self.received + self.seconds - time.monotonic()))

    def extended(self, sent: float) -> None:
        """An extension sent at ``sent`` succeeded (now); if it may have been handled
        after the timeout ended, the messages may have been visible in between."""
        self.gap = self.gap or self.lapsed()
        self.since = sent

    def lapsed(self) -> bool:
        """True when the messages may have become visible again by now."""
        return self.gap or time.monotonic() > self.since + self.seconds


class SQSPoller:
    """The receivers of one queue and the batches they start."""

    def __init__(self, rt: Runtime, source: Source) -> None:
        self.rt = rt
        self.source = source
        self.stats = rt.stats_for(source)
        self.retry = rt.retrier(source)
        self.url = source.url or ""
        self.arn = source.arn
        self.visibility = 30
        self.batch_size = rt.options.batch_size or 10
        self.client: Any = None
        self.released: set[str] = set()

    async def prepare(self) -> None:
        """Find the queue and its settings; a missing queue or permission raises PollError."""
        src = self.source
        self.client = await self.rt.client("sqs", src.region)
        try:
            if not self.url:
                found = await self.retry.call(
                    self.client.get_queue_url,
                    QueueName=src.name,
                    QueueOwnerAWSAccountId=src.account,
                )
                self.url = str(found["QueueUrl"])
            got = await self.retry.call(
                self.client.get_queue_attributes, QueueUrl=self.url, AttributeNames=["All"]
            )
        except Exception as exc:
            raise explain(exc, src, "queue", PERMISSIONS) from None
        attrs = got.get("Attributes", {})
        self.arn = attrs.get("QueueArn", src.arn)
        self.visibility = self.rt.options.visibility_timeout or int(
            attrs.get("VisibilityTimeout", 30)
        )

    async def run(self, work: anyio.abc.TaskGroup) -> None:
        async with anyio.create_task_group() as receivers:
            for _ in range(self.rt.options.pollers):
                receivers.start_soon(self._receiver, work)

    async def _receiver(self, work: anyio.abc.TaskGroup) -> None:
        rt = self.rt
        while not rt.stopping.is_set() and not rt.idle(self.stats):
            await rt.slots.acquire()
            handed_over = False
            try:
                # a receive is not cut off at shutdown, not even when the grace period
                # ends (only a second signal cuts it): SQS would still hand it messages,
                # the batches' just released ones too, hidden for a whole visibility
                # timeout; what it brings then is released
                sent = time.monotonic()  # SQS hides what it returns from then on, at least
                with anyio.CancelScope(shield=True):
                    try:
                        messages = await rt.until_forced(self._receive) or []
                    except Exception as exc:  # not an outage (those are retried): say, wait
                        self._failed("receive", exc)
                        messages = None
                    if messages and rt.stopping.is_set():
                        await self._release(
                            [(m["MessageId"], m["ReceiptHandle"]) for m in messages]
                        )
                        messages = []
                if messages is None:
                    await rt.sleep(rt.options.retry_cap)
                elif messages:
                    work.start_soon(self._batch, messages, sent)
                    handed_over = True
            finally:
                if not handed_over:
                    rt.slots.release()

    async def _receive_once(self, count: int, wait: int) -> list[dict[str, Any]]:
        got = await self.retry.call(
            self.client.receive_message,
            QueueUrl=self.url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            VisibilityTimeout=self.visibility,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = got.get("Messages") or []
        return messages

    async def _receive(self) -> list[dict[str, Any]]:
        size, window = self.batch_size, self.rt.options.window
        wait = self.rt.options.wait_time
        if self.rt.options.idle_exit is not None:
            wait = min(wait, max(1, int(self.rt.options.idle_exit)))
        messages = await self._receive_once(min(10, size), wait)
        if not messages or window <= 0:
            return messages
        deadline = time.monotonic() + window
        while len(messages) < size and not self.rt.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            messages += await self._receive_once(min(10, size - len(messages)), int(min(left, 20)))
        return messages

    async def _batch(self, messages: list[dict[str, Any]], sent: float) -> None:
        try:
            await self._process(messages, _Hidden(sent, self.visibility))
        finally:
            self.rt.slots.release()

    async def _process(self, messages: list[dict[str, Any]], hidden: _Hidden) -> None:
        stats, now_ms = self.stats, time.time() * 1000
        stats.batches += 1
        stats.records += len(messages)
        stats.last_record_at = time.monotonic()
        sent = [int((m.get("Attributes") or {}).get("SentTimestamp", now_ms)) for m in messages]
        stats.lag_ms = int(now_ms - min(sent))
        handles = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
        event = {"Records": [record(m, self.arn, self.source.region) for m in messages]}
        pending = dict(handles)
        try:
            async with anyio.create_task_group() as tg:
                # the heartbeat keeps the batch hidden until its successes are deleted
                tg.start_soon(self._heartbeat, handles, hidden)
                invocation = await self.rt.invoke(self.source, event)
                failed = failed_ids(invocation, list(handles))
                stats.failed += len(failed)
                stats.succeeded += len(handles) - len(failed)
                done = [(i, h) for i, h in handles.items() if i not in failed]
                with anyio.CancelScope(shield=True), anyio.move_on_after(30):
                    await self._delete(done)
                    pending = {}
                if done and hidden.lapsed():
                    self.rt.log.warning(
                        "batch outlived its visibility timeout; its messages may be received"
                        " again (SQS is at-least-once)",
                        source=self.source.label,
                        messages=len(done),
                        visibility_timeout=self.visibility,
                    )
                tg.cancel_scope.cancel()
            if failed and hidden.since > hidden.received and not hidden.lapsed():
                # the extensions were the poller's own: the failed messages come back
                # when Lambda's would, a visibility timeout after the receive
                with anyio.CancelScope(shield=True):
                    back = [(i, handles[i]) for i in failed]
                    await self._visibility(back, hidden.lambdas_left())
        except anyio.get_cancelled_exc_class():
            if pending:  # forced shutdown: let another consumer have them now
                with anyio.CancelScope(shield=True):
                    await self._release(list(pending.items()))
            raise

    async def _release(self, entries: list[tuple[str, str]]) -> None:
        """Make messages visible again at once (shutdown), counting each message once: a
        receive in flight may be handed a cancelled batch's messages again."""
        with anyio.move_on_after(5):
            await self._visibility(entries, 0)
        fresh = {message_id for message_id, _ in entries} - self.released
        self.released |= fresh
        self.stats.released += len(fresh)

    async def _heartbeat(self, handles: dict[str, str], hidden: _Hidden) -> None:
        """Extend every quarter of the timeout, counted from the request that last hid the
        messages (a slow request or a late start does not push the next one back)."""
        interval, sent = max(0.25, self.visibility / 4), hidden.since
        while True:
            await anyio.sleep(max(0.0, sent + interval - time.monotonic()))
            sent = time.monotonic()
            if await self._visibility(list(handles.items()), self.visibility):
                hidden.extended(sent)

    async def _visibility(self, entries: list[tuple[str, str]], seconds: int) -> bool:
        """Change the visibility of ``entries``; False when a request or an entry failed."""
        changed = True
        for start in range(0, len(entries), 10):
            chunk = entries[start : start + 10]
            try:
                got = await self.retry.call(
                    self.client.change_message_visibility_batch,
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": seconds}
                        for n, (_, h) in enumerate(chunk)
                    ],
                )
                errors = [f.get("Code") or f.get("Message") for f in got.get("Failed") or []]
            except Exception as exc:
                errors = [str(exc)]
            if errors:  # e.g. MessageNotInflight: it became visible again
                changed = False
                self.rt.log.warning(
                    "cannot change visibility", source=self.source.label, error=errors[0]
                )
        return changed

    def _failed(self, what: str, exc: Exception) -> None:
        """A call that is no outage failed (the queue was deleted, the credentials expired
        or lost a permission): one line saying what to fix; the caller goes on."""
        error = explain(exc, self.source, "queue", PERMISSIONS)
        self.rt.log.error(f"{what} failed", source=self.source.label, error=str(error))

    async def _delete(self, done: list[tuple[str, str]]) -> None:
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            try:
                got = await self.retry.call(
                    self.client.delete_message_batch,
                    QueueUrl=self.url,
                    Entries=[{"Id": str(n), "ReceiptHandle": h} for n, (_, h) in enumerate(chunk)],
                )
            except Exception as exc:  # not an outage: they come back, as failures do
                self._failed("delete", exc)
                continue
            for failure in got.get("Failed") or []:
                message_id = chunk[int(failure["Id"])][0]
                self.rt.log.warning(
                    "delete failed; the message will be received again",
                    source=self.source.label,
                    message_id=message_id,
                    error=failure.get("Message") or failure.get("Code"),
                )
