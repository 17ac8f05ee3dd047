"""The store protocol and the in-memory store.

An entry is a key's state: ``in_progress`` (claimed by one running record or request,
until ``expires_at``) or ``completed`` (done; kept until ``expires_at``, with the stored
HTTP response when there is one). ``fingerprint`` is the hash of the content the key
was first used with.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

import msgspec

from lambent._errors import ConfigurationError

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


class BatchClaim(Protocol):
    """The claims of one batch in an :class:`ImmediateStore`: the records whose keys are
    held (by a live entry, or by an earlier record of the batch), then one settlement."""

    @property
    def held(self) -> Mapping[int, Entry | None]:
        """index -> the entry holding its key (``None``: an earlier record of this batch)"""
        ...

    def settle(
        self,
        undone: Collection[int],
        *,
        expires_at: float,
        responses: Mapping[int, bytes] | None = None,
    ) -> None:
        """Complete the claimed keys until ``expires_at`` (with their stored result from
        ``responses``), except ``undone``'s, which are released."""
        ...


@runtime_checkable
class ImmediateStore(Protocol):
    """A store in this process whose operations never wait (:class:`MemoryStore`).

    The dispatcher claims a batch's keys with one call before the batch runs and
    settles them with one call after it: no event loop, no round trip per record. A
    crash loses such a store with the process, so this is no weaker than completing
    each record as it ends."""

    def claim_batch(
        self,
        scope: str,
        ids: Sequence[str],
        fingerprints: Sequence[str] | None,
        *,
        token: str,
        expires_at: float,
        now: float,
    ) -> BatchClaim:
        """Claim the keys ``scope#id`` of every record (``fingerprints``: per record,
        ``None``: none) that no live entry holds."""
        ...


class _Cell:
    """One key's state (a batch's keys share one while they are claimed and when they
    complete together)."""

    __slots__ = ("expires_at", "fingerprint", "response", "status", "token")

    def __init__(
        self,
        status: Status,
        fingerprint: str,
        expires_at: float,
        token: str,
        response: bytes | None = None,
    ) -> None:
        self.status: Status = status
        self.fingerprint = fingerprint
        self.expires_at = expires_at
        self.token = token
        self.response = response

    def entry(self, key: str) -> Entry:
        return Entry(key, self.status, self.fingerprint, self.expires_at, self.token, self.response)


def _split(key: str) -> tuple[str, str]:
    """``scope#id`` -> (scope, id); a key without ``#`` has the empty scope."""
    scope, sep, rest = key.partition("#")
    return (scope, rest) if sep else ("", key)


def checked_keep(store: str, keep: object) -> float:
    """``keep`` as seconds, or a :class:`ConfigurationError` naming ``store``: a positive
    finite number (a zero, negative or NaN time would forget every key at once, and with
    it the idempotency)."""
    if isinstance(keep, bool) or not isinstance(keep, int | float):
        raise ConfigurationError(
            f"{store}: keep must be a number of seconds (keep=24 * 3600 for a day), "
            f"not {type(keep).__name__} {keep!r}"
        )
    if not (math.isfinite(keep) and keep > 0):
        raise ConfigurationError(
            f"{store}: keep must be a positive, finite number of seconds "
            f"(how long a completed key is remembered), got {keep!r}"
        )
    return float(keep)


class MemoryStore:
    """Keys in this process's memory: for tests and single-container use."""

    def __init__(self, *, keep: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        #: how long a completed key is remembered (seconds)
        self.keep = checked_keep("MemoryStore", keep)
        self.clock = clock
        #: scope -> id -> state
        self._scopes: dict[str, dict[str, _Cell]] = {}
        #: calls made, by operation
        self.calls: dict[str, int] = {
            "get_many": 0,
            "claim": 0,
            "complete": 0,
            "release": 0,
            "claim_batch": 0,
            "settle": 0,
        }

    def __len__(self) -> int:
        return sum(map(len, self._scopes.values()))

    def clear(self) -> None:
        """Forget every key."""
        self._scopes.clear()

    def _cell(self, key: str) -> _Cell | None:
        scope, rest = _split(key)
        rows = self._scopes.get(scope)
        return None if rows is None else rows.get(rest)

    async def get_many(self, keys: Collection[str]) -> Mapping[str, Entry]:
        self.calls["get_many"] += 1
        return {k: c.entry(k) for k in keys if (c := self._cell(k)) is not None}

    async def claim(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, now: float
    ) -> Entry | None:
        self.calls["claim"] += 1
        held = self._cell(key)
        if held is not None and held.expires_at > now:
            return held.entry(key)
        scope, rest = _split(key)
        rows = self._scopes.setdefault(scope, {})
        rows[rest] = _Cell("in_progress", fingerprint, expires_at, token)
        return None

    async def complete(
        self, key: str, *, fingerprint: str, token: str, expires_at: float, response: bytes | None
    ) -> None:
        self.calls["complete"] += 1
        scope, rest = _split(key)
        rows = self._scopes.setdefault(scope, {})
        rows[rest] = _Cell("completed", fingerprint, expires_at, token, response)

    async def release(self, key: str, *, token: str) -> None:
        self.calls["release"] += 1
        scope, rest = _split(key)
        rows = self._scopes.get(scope, {})
        cell = rows.get(rest)
        if cell is not None and cell.status == "in_progress" and cell.token == token:
            del rows[rest]

    def claim_batch(
        self,
        scope: str,
        ids: Sequence[str],
        fingerprints: Sequence[str] | None,
        *,
        token: str,
        expires_at: float,
        now: float,
    ) -> _MemoryClaim:
        self.calls["claim_batch"] += 1
        rows = self._scopes.setdefault(scope, {})
        shared = _Cell("in_progress", "", expires_at, token) if fingerprints is None else None
        if shared is not None:
            fresh = dict.fromkeys(ids, shared)  # one step for a batch keyed by its own ids
        else:
            fresh = {}
            for key, fp in zip(ids, fingerprints or (), strict=True):
                if key not in fresh:  # a key twice: the first record's content claims it
                    fresh[key] = _Cell("in_progress", fp, expires_at, token)
        held: dict[int, Entry | None] = {}
        if len(fresh) != len(ids) or not rows.keys().isdisjoint(fresh):
            fresh, held = self._claim_slowly(rows, ids, fresh, now)
        rows.update(fresh)
        return _MemoryClaim(self, rows, ids, held, shared, fresh)

    @staticmethod
    def _claim_slowly(
        rows: dict[str, _Cell], ids: Sequence[str], wanted: dict[str, _Cell], now: float
    ) -> tuple[dict[str, _Cell], dict[int, Entry | None]]:
        """Some keys are taken (or repeated in the batch): claim the others."""
        fresh: dict[str, _Cell] = {}
        held: dict[int, Entry | None] = {}
        taken: dict[str, Entry] = {}
        for i, key in enumerate(ids):
            if key in fresh:
                held[i] = None
                continue
            if key in taken:
                held[i] = taken[key]
                continue
            cell = rows.get(key)
            if cell is not None and cell.expires_at > now:
                held[i] = taken[key] = cell.entry(key)
            else:
                fresh[key] = wanted[key]
        return fresh, held


class _MemoryClaim:
    """A batch's claims in a :class:`MemoryStore`."""

    __slots__ = ("fresh", "held", "ids", "rows", "shared", "store")

    def __init__(
        self,
        store: MemoryStore,
        rows: dict[str, _Cell],
        ids: Sequence[str],
        held: dict[int, Entry | None],
        shared: _Cell | None,
        fresh: dict[str, _Cell],
    ) -> None:
        self.store = store
        self.rows = rows
        self.ids = ids
        self.held = held
        self.shared = shared
        self.fresh = fresh

    def settle(
        self,
        undone: Collection[int],
        *,
        expires_at: float,
        responses: Mapping[int, bytes] | None = None,
    ) -> None:
        self.store.calls["settle"] += 1
        rows, ids, held, fresh = self.rows, self.ids, self.held, self.fresh
        if self.shared is not None:  # every claimed key completes at once
            self.shared.status = "completed"
            self.shared.expires_at = expires_at
        else:
            for cell in fresh.values():
                cell.status = "completed"
                cell.expires_at = expires_at
        for i, response in (responses or {}).items():
            cell = fresh[ids[i]]
            rows[ids[i]] = _Cell("completed", cell.fingerprint, expires_at, cell.token, response)
        for i in undone:
            key = ids[i]
            if i not in held and rows.get(key) is fresh.get(key):
                del rows[key]
