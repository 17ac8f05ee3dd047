"""Per-record and per-request idempotency: side effects that happen once.

```python
from lambent import App
from lambent.idempotency import MemoryStore

app = App(idempotency=MemoryStore())

@app.sqs("payments", idempotent=True)        # key: the message id
async def pay(order: dict) -> None: ...
```

``DynamoDBStore(table)`` keeps keys in DynamoDB (extra ``aws``) so every container of
a function shares them; ``MemoryStore()`` keeps them in the process. Any object with
the four coroutines of :class:`IdempotencyStore` works. See docs/idempotency.md.

Exceptions::

    LambentError
    └── IdempotencyError
        ├── InProgressError  the key is being processed elsewhere (the record is retried)
        └── KeyReusedError   the key was first used with different content
"""

from __future__ import annotations

import typing as _typing

from lambent.idempotency._guard import IdempotencyError as IdempotencyError
from lambent.idempotency._guard import InProgressError as InProgressError
from lambent.idempotency._guard import KeyGroup as KeyGroup
from lambent.idempotency._guard import KeyReusedError as KeyReusedError
from lambent.idempotency._guard import RecordGuard as RecordGuard
from lambent.idempotency._guard import Verdict as Verdict
from lambent.idempotency._guard import fingerprint as fingerprint
from lambent.idempotency._request import StoredResponse as StoredResponse
from lambent.idempotency._request import run_request as run_request
from lambent.idempotency._store import BatchClaim as BatchClaim
from lambent.idempotency._store import Entry as Entry
from lambent.idempotency._store import IdempotencyStore as IdempotencyStore
from lambent.idempotency._store import ImmediateStore as ImmediateStore
from lambent.idempotency._store import MemoryStore as MemoryStore

if _typing.TYPE_CHECKING:
    from lambent.idempotency._dynamodb import DynamoDBStore as DynamoDBStore


def __getattr__(name: str) -> _typing.Any:
    if name == "DynamoDBStore":
        from lambent.idempotency._dynamodb import DynamoDBStore

        return DynamoDBStore
    raise AttributeError(f"module 'lambent.idempotency' has no attribute {name!r}")


__all__ = [
    "BatchClaim",
    "DynamoDBStore",
    "Entry",
    "IdempotencyError",
    "IdempotencyStore",
    "ImmediateStore",
    "InProgressError",
    "KeyGroup",
    "KeyReusedError",
    "MemoryStore",
    "RecordGuard",
    "StoredResponse",
    "Verdict",
    "fingerprint",
    "run_request",
]
