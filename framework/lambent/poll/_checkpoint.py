"""Per-shard checkpoints, so a restarted poller resumes where it stopped.

A checkpoint is the sequence number of the last record of a shard that is done
(succeeded, or given up on and sent to the on-failure destination), and whether the
shard has ended (a closed parent, read to its end). Stored in a JSON file (written
whole, atomically, on each change) or in a DynamoDB table (``dynamodb://TABLE``; one
item per shard, key ``shard``; the table is created when missing). Without a store,
checkpoints live in memory for the process's lifetime.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lambent.poll._backoff import Retrier

#: what a DynamoDB checkpoint table needs
PERMISSIONS = (
    "dynamodb:DescribeTable, dynamodb:GetItem, dynamodb:PutItem (dynamodb:CreateTable once)"
)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: str | None
    ended: bool = False


class Checkpoints(Protocol):
    async def get(self, key: str) -> Checkpoint | None: ...

    async def put(self, key: str, checkpoint: Checkpoint) -> None: ...


class MemoryCheckpoints:
    def __init__(self) -> None:
        self._data: dict[str, Checkpoint] = {}

    async def get(self, key: str) -> Checkpoint | None:
        return self._data.get(key)

    async def put(self, key: str, checkpoint: Checkpoint) -> None:
        self._data[key] = checkpoint


class FileCheckpoints(MemoryCheckpoints):
    """A JSON object ``{shard key: {"sequence": ..., "ended": ...}}``."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = Path(path)
        if self.path.exists():
            raw = json.loads(self.path.read_text() or "{}")
            self._data = {
                k: Checkpoint(v.get("sequence"), bool(v.get("ended"))) for k, v in raw.items()
            }

    async def put(self, key: str, checkpoint: Checkpoint) -> None:
        await super().put(key, checkpoint)
        data = {k: {"sequence": v.sequence, "ended": v.ended} for k, v in self._data.items()}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


class DynamoDBCheckpoints:
    """One item per shard in a DynamoDB table (hash key ``shard``, a string)."""

    def __init__(self, table: str, client: Any, retry: Retrier) -> None:
        self.table, self.client, self.retry = table, client, retry

    async def prepare(self) -> None:
        try:
            await self.retry.call(self.client.describe_table, TableName=self.table)
            return
        except self.client.exceptions.ResourceNotFoundException:
            pass
        await self.retry.call(
            self.client.create_table,
            TableName=self.table,
            KeySchema=[{"AttributeName": "shard", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "shard", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        waiter = self.client.get_waiter("table_exists")
        await waiter.wait(TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    async def get(self, key: str) -> Checkpoint | None:
        got = await self.retry.call(
            self.client.get_item,
            TableName=self.table,
            Key={"shard": {"S": key}},
            ConsistentRead=True,
        )
        item = got.get("Item")
        if not item:
            return None
        seq = item.get("sequence", {}).get("S")
        return Checkpoint(seq, bool(item.get("ended", {}).get("BOOL", False)))

    async def put(self, key: str, checkpoint: Checkpoint) -> None:
        item: dict[str, Any] = {"shard": {"S": key}, "ended": {"BOOL": checkpoint.ended}}
        if checkpoint.sequence is not None:
            item["sequence"] = {"S": checkpoint.sequence}
        await self.retry.call(self.client.put_item, TableName=self.table, Item=item)
