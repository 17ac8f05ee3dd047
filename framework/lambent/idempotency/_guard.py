"""Idempotency bookkeeping: which records run, and what a request replays.

:class:`RecordGuard` serves one batch: :meth:`~RecordGuard.prepare` reads every key of
the batch in one call and says which records are already done (they count as
succeeded and do not run), held by a live claim elsewhere (reported failed, so Lambda
retries them), or reused with different content (failed). :meth:`~RecordGuard.run`
claims a key with a conditional write, runs the record, and marks the key completed;
a record that raises, or is cancelled at the deadline, releases its claim so that the
retry runs. A claim expires when the invocation's own deadline passes, so a container
that died leaves nothing stuck for longer than its invocation could have run.

:func:`run_request` does the same for one HTTP request keyed by its ``Idempotency-Key``
header and stores the response, which later requests with the key replay.
"""

from __future__ import annotations

import enum
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Final, TypeVar

import anyio
import msgspec

from lambent._errors import LambentError
from lambent.idempotency._store import IdempotencyStore, ImmediateStore

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


class RecordGuard:
    """The idempotency bookkeeping of one batch.

    ``expires_at`` (epoch seconds) is when this invocation's claims may be taken over:
    the invocation's deadline.
    """

    __slots__ = (
        "_claimed",
        "_done",
        "_running",
        "_wanted",
        "clock",
        "expires_at",
        "keep",
        "keys",
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
        self.keys: dict[int, tuple[str, str]] = {}
        #: this invocation's claims (releasing needs it)
        self.token = uuid.uuid4().hex
        self._done: set[str] = set()
        self._running: set[str] = set()
        #: immediate stores: the records whose keys :meth:`claim_now` claimed
        self._claimed: dict[int, str] | None = {}
        #: immediate stores: every key claimed (key -> fingerprint), when all were
        self._wanted: dict[str, str] = {}

    async def prepare(self, keys: Mapping[int, tuple[str, str]]) -> dict[int, Verdict]:
        """Verdicts for the batch's keyed records (index -> (key, fingerprint)), from one read."""
        self.keys = dict(keys)
        if not keys:
            return {}
        entries = await self.store.get_many({k for k, _ in keys.values()})
        now = self.clock()
        verdicts: dict[int, Verdict] = {}
        for i, (key, fp) in keys.items():
            entry = entries.get(key)
            if entry is None or not entry.live(now):
                verdicts[i] = Verdict.RUN
            elif entry.fingerprint != fp:
                verdicts[i] = Verdict.REUSED
            elif entry.status == "completed":
                verdicts[i] = Verdict.DONE
                self._done.add(key)
            else:
                verdicts[i] = Verdict.BUSY
        return verdicts

    def claim_now(
        self, store: ImmediateStore, keys: Mapping[int, tuple[str, str]]
    ) -> dict[int, Verdict]:
        """:meth:`prepare` for an :class:`ImmediateStore`: every key claimed at once; the
        verdicts of the records that do not run (the others run). A key twice in the
        batch: the later record is held (retried, then found done)."""
        self.keys = keys = keys if isinstance(keys, dict) else dict(keys)
        wanted = dict(keys.values())
        held = store.claim_batch(
            wanted, token=self.token, expires_at=self.expires_at, now=self.clock()
        )
        verdicts: dict[int, Verdict] = {}
        if not held and len(wanted) == len(keys):  # the common case: every key claimed
            self._claimed = None  # None: every key of the batch
            self._wanted = wanted
            return verdicts
        claimed: dict[int, str] = {}
        self._claimed = claimed
        first: dict[str, int] = {}
        for i, (key, fp) in keys.items():
            entry = held.get(key)
            if entry is None:
                if first.setdefault(key, i) != i:
                    verdicts[i] = Verdict.BUSY
                else:
                    claimed[i] = key
            elif entry.fingerprint != fp:
                verdicts[i] = Verdict.REUSED
            elif entry.status == "completed":
                verdicts[i] = Verdict.DONE
            else:
                verdicts[i] = Verdict.BUSY
        return verdicts

    def settle_now(self, store: ImmediateStore, status: Sequence[int], ok: Collection[int]) -> None:
        """After the batch: complete the claimed keys of the records whose ``status`` is
        in ``ok``, release the others (failed, cut by the deadline, never started)."""
        keys, claimed = self.keys, self._claimed
        if claimed is None:
            done = dict(self._wanted)
            undone: list[str] = []
            if sum(status.count(s) for s in ok) != len(status):
                undone = [key for i, (key, _) in keys.items() if status[i] not in ok]
                for key in undone:
                    del done[key]
        else:
            done = {key: keys[i][1] for i, key in claimed.items() if status[i] in ok}
            undone = [key for i, key in claimed.items() if status[i] not in ok]
        store.settle_batch(done, undone, token=self.token, expires_at=self.clock() + self.keep)

    def error(self, index: int, verdict: Verdict) -> IdempotencyError:
        """The failure of a record that ``prepare`` found busy or reused."""
        key = self.keys[index][0]
        if verdict is Verdict.REUSED:
            return KeyReusedError(
                f"idempotency key {key!r} was first used with different content", key
            )
        return InProgressError(f"idempotency key {key!r} is in progress elsewhere", key)

    async def run(self, index: int, call: Callable[[], Awaitable[T]]) -> T | None:
        """Run record ``index`` once for its key: claim, run, complete (or release)."""
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
                return None
            raise InProgressError(f"idempotency key {key!r} is in progress elsewhere", key)
        self._running.add(key)
        try:
            result = await call()
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
                response=None,
            )
        self._done.add(key)
        return result


class StoredResponse(msgspec.Struct, frozen=True):
    """An HTTP response as stored for replay."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: the body is binary (else UTF-8 text)
    binary: bool = False


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(StoredResponse).decode

#: the header a replayed response carries
REPLAYED_HEADER: Final = "idempotent-replayed"


def _problem(status: int, title: str, detail: str) -> StoredResponse:
    body = msgspec.json.encode(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    )
    return StoredResponse(status, {"content-type": "application/problem+json"}, body)


async def run_request(
    store: IdempotencyStore,
    *,
    key: str,
    content: Any,
    expires_at: float,
    call: Callable[[], Awaitable[StoredResponse]],
    clock: Callable[[], float] = time.time,
) -> StoredResponse:
    """Answer one request carrying an ``Idempotency-Key`` (``key``, already scoped).

    The first request with the key runs and its response is stored (a 5xx or an
    exception stores nothing, so the client may retry); a later one with the same
    ``content`` gets that response again without running; with different content it
    gets 422, and while the first still runs, 409 (the IETF Idempotency-Key draft).
    """
    fp = fingerprint(content)
    token = uuid.uuid4().hex
    with anyio.CancelScope(shield=True):  # a claim cut short could be left behind
        held = await store.claim(
            key, fingerprint=fp, token=token, expires_at=expires_at, now=clock()
        )
    if held is not None:
        if held.fingerprint != fp:
            return _problem(
                422,
                "Idempotency key reused",
                "this Idempotency-Key was used with a different request",
            )
        if held.status == "in_progress" or held.response is None:
            return _problem(
                409,
                "Request in progress",
                "a request with this Idempotency-Key is still being processed",
            )
        stored = _decode(held.response)
        return StoredResponse(
            stored.status, {**stored.headers, REPLAYED_HEADER: "true"}, stored.body
        )
    try:
        response = await call()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await store.release(key, token=token)
        raise
    with anyio.CancelScope(shield=True):
        if response.status >= 500:
            await store.release(key, token=token)
        else:
            await store.complete(
                key,
                fingerprint=fp,
                token=token,
                expires_at=clock() + keep_of(store),
                response=_encode(response),
            )
    return response
