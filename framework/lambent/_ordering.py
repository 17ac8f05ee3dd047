"""Ordering policies, declared in one place: none, key, shard, strict.

* **none**: every item is independent (SQS standard queues, SNS, S3, ...);
* **key**: items with equal order keys run one after another in batch order (SQS FIFO
  message groups, Kinesis partition keys, DynamoDB item keys, Kafka topic-partitions); the
  source's ``order_key`` gives the key;
* **shard**: the whole batch runs one item at a time (``sequential=True`` on Kinesis and
  DynamoDB routes: a batch comes from one shard);
* **strict**: one at a time in batch order, and the first failure skips every later
  item (SQS FIFO ``strict_order=True``, AWS's documented rule).

:func:`apply` sets the batch's order keys from the routes that will run it; the run loop
(:mod:`lambent._dispatch`) then keeps units of equal keys in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from lambent._dispatch import Batch, Status

if TYPE_CHECKING:
    from lambent._routes import Route
    from lambent.sources import EventSource

Policy = Literal["none", "key", "shard", "strict"]

__all__ = ["Policy", "apply"]


def apply(spec: EventSource, ev: Any, batch: Batch, used: Sequence[Route]) -> Policy:
    """Decide the batch's ordering policy and set its order keys accordingly."""
    items, status = batch.items, batch.status
    if any(r.options.sequential for r in used):
        batch.keys = ["shard"] * len(items)
        return "shard"
    order_key = spec.order_key
    if order_key is None or not (
        spec.ordered is None or batch.ids or spec.ordered(ev)  # ids: decoded one by one
    ):
        return "none"
    keys = [None if item is None else order_key(item) for item in items]
    if not any(k is not None for k in keys):
        return "none"
    batch.keys = keys
    # a record that did not decode has no known group or partition key: it may precede
    # any later record of its group, so nothing after it runs (unless it was dropped: done)
    kept = [i for i in batch.ids if status[i] != Status.DROPPED]
    if kept:
        for i in range(min(kept) + 1, len(items)):
            if status[i] == Status.PENDING:
                status[i] = Status.SKIPPED
    return "strict" if any(r.options.strict_order for r in used) else "key"
