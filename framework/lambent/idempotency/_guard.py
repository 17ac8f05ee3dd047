"""Idempotency bookkeeping: which records run, and what a request replays.

:class:`RecordGuard` serves one batch: :meth:`~RecordGuard.prepare` reads every key of
the batch in one call and says which records are already done (they count as
succeeded and do not run), held by a live claim elsewhere (reported failed, so Lambda
retries them), or reused with different content (failed). :meth:`~RecordGuard.run`
claims a key with a conditional write, runs the record, and marks the key completed;
a record that raises, or is cancelled at the deadline, releases its claim so that the
retry runs. A claim expires when the invocation's own deadline passes, so a container
that died leaves nothing stuck for longer than its invocation could have run.
(HTTP requests: :mod:`lambent.idempotency._request`.)
"""

from __future__ import annotations

import enum
import hashlib
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Final, TypeVar

import anyio
import msgspec

from lambent._errors import LambentError
from lambent.idempotency._store import BatchClaim, Entry, IdempotencyStore, ImmediateStore

T = TypeVar("T")

#: how long a completed key is remembered, unless the store says otherwise (seconds)
DEFAULT_KEEP: Final = 3600.0


class IdempotencyError(LambentError):
    """Base of the idempotency refusals."""

    def __init__(self, message: str, key: str) -> None:
        self.key = key
        super().__init__(message)


class InProgressError(IdempotencyError):
    """The key is being processed elsewhere (another container, an earlier request)."""


class KeyReusedError(IdempotencyError):
    """The key was first used with different content."""


def key_text(key: object, scope: str) -> str:
    """The text of the key an ``idempotency_key`` function returned for a handler
    (``scope``); ``None`` is an :class:`IdempotencyError`: every payload without the field
    would share the key ``"None"`` (their first run's result standing for all of them), and
    so is a value whose text differs for equal payloads (an object without ``__str__`` or
    ``__repr__``, whose text is its address; a set, whose order varies by process)."""
    if key is None:
        raise IdempotencyError(
            f"{scope}: the idempotency_key function returned None for this payload; "
            "return the field that names it (or raise for a payload that has none)",
            scope,
        )
    kind = type(key)
    if kind is str:
        return key  # type: ignore[return-value]
    if kind.__str__ is object.__str__ and kind.__repr__ is object.__repr__:
        unstable = "its text is its memory address, new for every object"
    elif isinstance(key, set | frozenset):
        unstable = "the order of its text changes from one process to the next"
    else:
        return str(key)
    raise IdempotencyError(
        f"{scope}: the idempotency_key function returned a {kind.__name__}, and {unstable}: "
        "no redelivery would find its key; return the field (or a tuple of fields) that "
        "names the payload",
        scope,
    )


def fingerprint(content: object) -> str:
    """The hash a key's content is compared by (bytes and str as they are, else JSON)."""
    if isinstance(content, str):
        data = content.encode()
    elif isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
    else:
        data = msgspec.json.encode(content, order="sorted")
    return hashlib.sha256(data).hexdigest()[:32]


def keep_of(store: IdempotencyStore) -> float:
    keep = getattr(store, "keep", None)
    return float(keep) if isinstance(keep, int | float) else DEFAULT_KEEP


class Verdict(enum.Enum):
    RUN = "run"
    DONE = "done"  # completed before: counts as succeeded, not run
    BUSY = "busy"  # a live claim elsewhere: reported failed, retried later
    REUSED = "reused"  # the key's first content differs: failed


class KeyGroup:
    """The keyed records of one scope (a route) in a batch: their ids and fingerprints
    (``None``: keys from the records' own ids, no content to compare)."""

    __slots__ = ("claim", "fingerprints", "ids", "indices", "scope")

    def __init__(
        self,
        scope: str,
        indices: Sequence[int] | None,
        ids: Sequence[str],
        fingerprints: Sequence[str] | None = None,
    ) -> None:
        self.scope = scope
        #: the batch index of each id (``None``: ids[j] is record j's)
        self.indices = indices
        self.ids = ids
        self.fingerprints = fingerprints
        self.claim: BatchClaim | None = None

    def index(self, j: int) -> int:
        return j if self.indices is None else self.indices[j]

    def fingerprint(self, j: int) -> str:
        return "" if self.fingerprints is None else self.fingerprints[j]


class RecordGuard:
    """The idempotency bookkeeping of one batch.

    ``expires_at`` (epoch seconds) is when this invocation's claims may be taken over:
    the invocation's deadline. ``replayed``: the stored results of the records found
    done (for sources whose result is the function's answer).
    """

    __slots__ = (
        "_done",
        "_running",
        "clock",
        "expires_at",
        "groups",
        "keep",
        "keys",
        "replayed",
        "store",
        "token",
    )

    def __init__(
        self,
        store: IdempotencyStore,
        *,
        expires_at: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.expires_at = expires_at
        self.keep = keep_of(store)
        self.clock = clock
        #: index -> (scoped key, fingerprint), for stores that are awaited
        self.keys: dict[int, tuple[str, str]] = {}
        #: immediate stores: the batch's keys by scope
        self.groups: list[KeyGroup] = []
        #: this invocation's claims (releasing needs it)
        self.token = uuid.uuid4().hex
        self.replayed: dict[int, bytes] = {}
        self._done: set[str] = set()
        self._running: set[str] = set()

    def _verdict(self, i: int, entry: Entry | None, fp: str, now: float) -> Verdict:
        if entry is None or not entry.live(now):
            return Verdict.RUN
        if entry.fingerprint != fp:
            return Verdict.REUSED
        if entry.status == "completed":
            if entry.response is not None:
                self.replayed[i] = entry.response
            return Verdict.DONE
        return Verdict.BUSY

    async def prepare(self, keys: Mapping[int, tuple[str, str]]) -> dict[int, Verdict]:
        """Verdicts for the batch's keyed records (index -> (key, fingerprint)), from one read."""
        self.keys = dict(keys)
        if not keys:
            return {}
        entries = await self.store.get_many({k for k, _ in keys.values()})
        now = self.clock()
        verdicts: dict[int, Verdict] = {}
        for i, (key, fp) in keys.items():
            verdicts[i] = verdict = self._verdict(i, entries.get(key), fp, now)
            if verdict is Verdict.DONE:
                self._done.add(key)
        return verdicts

    def claim_now(self, store: ImmediateStore, groups: Sequence[KeyGroup]) -> dict[int, Verdict]:
        """:meth:`prepare` for an :class:`ImmediateStore`: every key claimed at once, one
        call per group; the verdicts of the records that do not run (the others run). A
        key twice in the batch: the later record is held (retried, then found done)."""
        self.groups = list(groups)
        verdicts: dict[int, Verdict] = {}
        now = self.clock()
        for group in groups:
            claim = group.claim = store.claim_batch(
                group.scope,
                group.ids,
                group.fingerprints,
                token=self.token,
                expires_at=self.expires_at,
                now=now,
            )
            for j, entry in claim.held.items():
                i = group.index(j)
                self.keys[i] = (f"{group.scope}#{group.ids[j]}", group.fingerprint(j))
                verdicts[i] = (
                    Verdict.BUSY
                    if entry is None
                    else self._verdict(i, entry, group.fingerprint(j), now)
                )
        return verdicts

    def settle_now(
        self,
        status: Sequence[int],
        ok: Collection[int],
        responses: Callable[[int], bytes | None] | None = None,
    ) -> None:
        """After the batch: complete the claimed keys of the records whose ``status`` is
        in ``ok`` (with ``responses(index)``, the result to store), release the others
        (failed, cut by the deadline, never started)."""
        expires_at = self.clock() + self.keep
        every = sum(status.count(s) for s in ok) == len(status)
        for group in self.groups:
            claim = group.claim
            if claim is None:
                continue
            held = claim.held
            if group.indices is None:
                undone = () if every else [j for j, s in enumerate(status) if s not in ok]
                mine: Sequence[int] = range(len(group.ids))
            else:
                mine = group.indices
                undone = [j for j, i in enumerate(mine) if status[i] not in ok]
            stored = None
            if responses is not None:
                skip = set(undone)
                stored = {
                    j: response
                    for j, i in enumerate(mine)
                    if j not in skip and j not in held and (response := responses(i)) is not None
                }
            claim.settle(undone, expires_at=expires_at, responses=stored)

    def error(self, index: int, verdict: Verdict) -> IdempotencyError:
        """The failure of a record that ``prepare`` found busy or reused."""
        key = self.keys[index][0]
        if verdict is Verdict.REUSED:
            return KeyReusedError(
                f"idempotency key {key!r} was first used with different content", key
            )
        return InProgressError(f"idempotency key {key!r} is in progress elsewhere", key)

    async def claim_each(self, indices: Collection[int]) -> dict[int, Verdict]:
        """Claim the keys of ``indices`` (records a whole-batch handler will get), one
        conditional write each; the verdicts of those that are held after all."""
        verdicts: dict[int, Verdict] = {}
        for i in indices:
            key, fp = self.keys[i]
            if key in self._running:  # an earlier record of this batch has the key
                verdicts[i] = Verdict.BUSY
                continue
            with anyio.CancelScope(shield=True):
                held = await self.store.claim(
                    key,
                    fingerprint=fp,
                    token=self.token,
                    expires_at=self.expires_at,
                    now=self.clock(),
                )
            if held is None:
                self._running.add(key)
            else:
                verdicts[i] = self._verdict(i, held, fp, -math.inf)  # held: live when claimed
        return verdicts

    async def settle_each(
        self,
        indices: Collection[int],
        status: Sequence[int],
        ok: Collection[int],
        responses: Callable[[int], bytes | None] | None = None,
    ) -> None:
        """After a whole-batch handler: complete (or release) each key :meth:`claim_each` claimed."""
        with anyio.CancelScope(shield=True):
            for i in indices:
                key, fp = self.keys[i]
                if key not in self._running:
                    continue
                self._running.discard(key)
                if status[i] in ok:
                    await self.store.complete(
                        key,
                        fingerprint=fp,
                        token=self.token,
                        expires_at=self.clock() + self.keep,
                        response=None if responses is None else responses(i),
                    )
                else:
                    await self.store.release(key, token=self.token)

    async def run(
        self,
        index: int,
        call: Callable[[], Awaitable[T]],
        *,
        encode: Callable[[T], bytes] | None = None,
        decode: Callable[[bytes], Any] | None = None,
    ) -> T | Any:
        """Run record ``index`` once for its key: claim, run, complete (or release).
        ``encode``: the result to store with the key; ``decode``: a stored one, replayed."""
        key, fp = self.keys[index]
        if key in self._done:  # an earlier record of this batch had the same key
            return None
        if key in self._running:
            raise InProgressError(f"idempotency key {key!r} is in progress in this batch", key)
        token = self.token
        with anyio.CancelScope(shield=True):  # a claim cut short could be left behind
            held = await self.store.claim(
                key, fingerprint=fp, token=token, expires_at=self.expires_at, now=self.clock()
            )
        if held is not None:
            if held.fingerprint != fp:
                raise KeyReusedError(
                    f"idempotency key {key!r} was first used with different content", key
                )
            if held.status == "completed":
                self._done.add(key)
                if decode is not None and held.response is not None:
                    return decode(held.response)
                return None
            raise InProgressError(f"idempotency key {key!r} is in progress elsewhere", key)
        self._running.add(key)
        try:
            result = await call()
            response = None if encode is None else encode(result)
        except BaseException:  # a failure or the deadline's cancellation: the retry runs
            with anyio.CancelScope(shield=True):
                await self.store.release(key, token=token)
            raise
        finally:
            self._running.discard(key)
        with anyio.CancelScope(shield=True):
            await self.store.complete(
                key,
                fingerprint=fp,
                token=token,
                expires_at=self.clock() + self.keep,
                response=response,
            )
        self._done.add(key)
        return result
