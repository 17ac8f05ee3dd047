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


@runtime_checkable
class ImmediateStore(Protocol):
    """A store in this process whose operations never wait (:class:`MemoryStore`).

    The dispatcher claims a batch's keys with one call before the batch runs and
    settles them with one call after it: no event loop, no round trip per record. A
    crash loses such a store with the process, so this is no weaker than completing
    each record as it ends."""

    def claim_batch(
        self, keys: Mapping[str, str], *, token: str, expires_at: float, now: float
    ) -> Mapping[str, Entry]:
        """Claim each key (key -> fingerprint) not held by a live entry; the holders
        of the others."""
        ...

    def settle_batch(
        self, done: Mapping[str, str], undone: Collection[str], *, token: str, expires_at: float
    ) -> None:
        """Mark ``done`` (key -> fingerprint) completed until ``expires_at``; release the
        ``undone`` keys this ``token`` claimed."""
        ...


_Row = tuple[Status, str, float, str, "bytes | None"]


class MemoryStore:
    """Keys in this process's memory: for tests and single-container use."""

    def __init__(self, *, keep: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        #: how long a completed key is remembered (seconds)
        self.keep = keep
        self.clock = clock
        #: key -> (status, fingerprint, expires_at, token, response)
        self._rows: dict[str, _Row] = {}
        #: calls made, by operation
        self.calls: dict[str, int] = {
            "get_many": 0,
            "claim": 0,
            "complete": 0,
            "release": 0,
            "claim_batch": 0,
            "settle_batch": 0,
        }

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """Forget every key."""
        self._rows.clear()

    def _entry(self, key: str) -> Entry | None:
        row = self._rows.get(key)
        return None if row is None else Entry(key, *row)

    async def get_many(self, keys: Collection[str]) -> Mapping[str, Entry]:
        self.calls["get_many"] += 1
        return {k: e for k in keys if (e := self._entry(k)) is not None}

    async def claim(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, now: float
    ) -> Entry | None:
        self.calls["claim"] += 1
        held = self._entry(key)
        if held is not None and held.live(now):
            return held
        self._rows[key] = ("in_progress", fingerprint, expires_at, token, None)
        return None

    async def complete(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, response: bytes | None
    ) -> None:
        self.calls["complete"] += 1
        self._rows[key] = ("completed", fingerprint, expires_at, token, response)

    async def release(self, key: str, *, token: str) -> None:
        self.calls["release"] += 1
        self.settle_batch({}, (key,), token=token, expires_at=0.0)
        self.calls["settle_batch"] -= 1

    def claim_batch(
        self, keys: Mapping[str, str], *, token: str, expires_at: float, now: float
    ) -> Mapping[str, Entry]:
        self.calls["claim_batch"] += 1
        rows = self._rows
        held_by: dict[str, Entry] = {}
        if not rows.keys().isdisjoint(keys):
            for key in keys:
                row = rows.get(key)
                if row is not None and row[2] > now:
                    held_by[key] = Entry(key, *row)
        fingerprints = set(keys.values())
        if not held_by and len(fingerprints) == 1:  # one row for all (keys from record ids)
            (fingerprint,) = fingerprints
            rows.update(dict.fromkeys(keys, ("in_progress", fingerprint, expires_at, token, None)))
            return held_by
        rows.update(
            {
                key: ("in_progress", fingerprint, expires_at, token, None)
                for key, fingerprint in keys.items()
                if key not in held_by
            }
        )
        return held_by

    def settle_batch(
        self, done: Mapping[str, str], undone: Collection[str], *, token: str, expires_at: float
    ) -> None:
        self.calls["settle_batch"] += 1
        rows = self._rows
        fingerprints = set(done.values())
        if len(fingerprints) == 1:  # one row for all (keys from record ids)
            (fingerprint,) = fingerprints
            rows.update(dict.fromkeys(done, ("completed", fingerprint, expires_at, token, None)))
        else:
            rows.update(
                {key: ("completed", fp, expires_at, token, None) for key, fp in done.items()}
            )
        for key in undone:
            row = rows.get(key)
            if row is not None and row[0] == "in_progress" and row[3] == token:
                del rows[key]
