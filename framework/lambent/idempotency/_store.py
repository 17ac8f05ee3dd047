"""The store protocol and the in-memory store.

An entry is a key's state: ``in_progress`` (claimed by one running record or request,
until ``expires_at``) or ``completed`` (done; kept until ``expires_at``, with the stored
HTTP response when there is one). ``fingerprint`` is the hash of the content the key
was first used with.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from typing import Literal, Protocol, runtime_checkable

import msgspec

Status = Literal["in_progress", "completed"]


class Entry(msgspec.Struct, frozen=True):
    """One key's state in a store."""

    key: str
    status: Status
    fingerprint: str
    #: epoch seconds: an in-progress claim may be taken over after this; a completed
    #: entry is forgotten after it
    expires_at: float
    #: who holds an in-progress claim (releasing needs it)
    token: str = ""
    #: the stored HTTP response (encoded by :mod:`lambent.idempotency`), if any
    response: bytes | None = None

    def live(self, now: float) -> bool:
        return self.expires_at > now


@runtime_checkable
class IdempotencyStore(Protocol):
    """Where keys live. Implement these four coroutines to use another database."""

    async def get_many(self, keys: Collection[str]) -> Mapping[str, Entry]:
        """The live and expired entries of ``keys`` that exist (one round trip if you can)."""
        ...

    async def claim(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, now: float
    ) -> Entry | None:
        """Mark ``key`` in progress, atomically, unless a live entry holds it.

        Returns ``None`` when claimed, else the entry that holds it. An expired entry
        (an in-progress claim past ``expires_at``, a completed entry past its
        time to live) does not hold a key.
        """
        ...

    async def complete(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, response: bytes | None
    ) -> None:
        """Mark ``key`` completed until ``expires_at``."""
        ...

    async def release(self, key: str, *, token: str) -> None:
        """Forget ``key`` if the claim ``token`` still holds it (a failed or cut run)."""
        ...


class MemoryStore:
    """Keys in this process's memory: for tests and single-container use."""

    def __init__(self, *, keep: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        #: how long a completed key is remembered (seconds)
        self.keep = keep
        self.clock = clock
        self._entries: dict[str, Entry] = {}
        #: round trips made, by operation (the same counters as DynamoDBStore's)
        self.calls: dict[str, int] = {"get_many": 0, "claim": 0, "complete": 0, "release": 0}

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Collection[str]) -> Mapping[str, Entry]:
        self.calls["get_many"] += 1
        entries = self._entries
        return {k: e for k in keys if (e := entries.get(k)) is not None}

    async def claim(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, now: float
    ) -> Entry | None:
        self.calls["claim"] += 1
        held = self._entries.get(key)
        if held is not None and held.live(now):
            return held
        self._entries[key] = Entry(key, "in_progress", fingerprint, expires_at, token)
        return None

    async def complete(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, response: bytes | None
    ) -> None:
        self.calls["complete"] += 1
        self._entries[key] = Entry(key, "completed", fingerprint, expires_at, token, response)

    async def release(self, key: str, *, token: str) -> None:
        self.calls["release"] += 1
        held = self._entries.get(key)
        if held is not None and held.status == "in_progress" and held.token == token:
            del self._entries[key]
