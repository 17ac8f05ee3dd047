"""Storage adapters: small Protocols, and in-memory implementations for local runs.

The handlers only see these Protocols. ``memory_backends()`` gives a working set
that needs no network (tests, ``make demo``); ``examples.orders.aws`` has the
aiobotocore ones, imported only when ``ORDERS_BACKEND=aws``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

from examples.orders.models import Order


class OrderQueue(Protocol):
    """The ``orders.fifo`` queue: one message group per customer."""

    async def send(self, order: Order) -> str:
        """Send ``order`` (deduplicated by its id); return the message id."""
        ...


class OrderTable(Protocol):
    """The ``orders`` table, keyed by order id."""

    async def insert(self, order: Order) -> bool:
        """Store ``order`` unless its id exists; True when it was new."""
        ...

    async def get(self, order_id: str) -> Order | None: ...

    async def scan(self) -> list[Order]: ...


class EventBus(Protocol):
    """The EventBridge bus the service publishes its events to."""

    async def publish(self, detail_type: str, detail: msgspec.Struct) -> str:
        """Publish one event with ``source="orders.service"``; return its id."""
        ...


class ObjectStore(Protocol):
    """Where import files are uploaded (S3)."""

    async def get(self, bucket: str, key: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Backends:
    """Everything the handlers talk to, set up once per container by the lifespan."""

    queue: OrderQueue
    table: OrderTable
    bus: EventBus
    objects: ObjectStore
    new_order_id: Callable[[], str]


SOURCE = "orders.service"


# ---------------------------------------------------------------------- in memory


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    message_id: str
    body: str
    group_id: str
    deduplication_id: str


@dataclass
class MemoryQueue:
    """A FIFO queue in a list; a second message with the same deduplication id is dropped."""

    messages: list[QueuedMessage] = field(default_factory=list)
    _seen: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, order: Order) -> str:
        if order.id in self._seen:
            return self._seen[order.id]
        message = QueuedMessage(
            message_id=f"msg-{next(self._ids):04d}",
            body=msgspec.json.encode(order).decode(),
            group_id=order.customer,
            deduplication_id=order.id,
        )
        self.messages.append(message)
        self._seen[order.id] = message.message_id
        return message.message_id

    def drain(self) -> list[QueuedMessage]:
        """Take every waiting message (what an event source mapping would poll)."""
        taken, self.messages = self.messages, []
        return taken


@dataclass
class MemoryTable:
    """A dict of items, and the changes a DynamoDB stream would carry: ``(old, new)``."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    stream: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=list)

    async def insert(self, order: Order) -> bool:
        if order.id in self.items:
            return False
        item: dict[str, Any] = msgspec.to_builtins(order)
        self.items[order.id] = item
        self.stream.append((None, item))
        return True

    async def get(self, order_id: str) -> Order | None:
        item = self.items.get(order_id)
        return None if item is None else msgspec.convert(item, Order)

    async def scan(self) -> list[Order]:
        return [msgspec.convert(item, Order) for item in self.items.values()]

    def drain_stream(self) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
        taken, self.stream = self.stream, []
        return taken


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    id: str
    source: str
    detail_type: str
    detail: dict[str, Any]


@dataclass
class MemoryBus:
    events: list[PublishedEvent] = field(default_factory=list)

    async def publish(self, detail_type: str, detail: msgspec.Struct) -> str:
        event_id = f"evt-{len(self.events) + 1:04d}"
        self.events.append(
            PublishedEvent(event_id, SOURCE, detail_type, msgspec.to_builtins(detail))
        )
        return event_id


@dataclass
class MemoryObjects:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self.objects[(bucket, key)] = data

    async def get(self, bucket: str, key: str) -> bytes:
        try:
            return self.objects[(bucket, key)]
        except KeyError:
            raise FileNotFoundError(f"s3://{bucket}/{key}") from None


@dataclass(frozen=True, slots=True)
class MemoryBackends(Backends):
    """:class:`Backends` with the in-memory types, so a demo or a test can look inside."""

    queue: MemoryQueue
    table: MemoryTable
    bus: MemoryBus
    objects: MemoryObjects


def memory_backends() -> MemoryBackends:
    ids = itertools.count(1)
    return MemoryBackends(
        queue=MemoryQueue(),
        table=MemoryTable(),
        bus=MemoryBus(),
        objects=MemoryObjects(),
        new_order_id=lambda: f"ord-{next(ids):04d}",
    )
