"""The store protocol, held by MemoryStore and DynamoDBStore (moto on 127.0.0.1) alike."""

from __future__ import annotations

import time

import pytest

from lambent import ConfigurationError
from lambent.idempotency import IdempotencyStore, MemoryStore

pytestmark = pytest.mark.network


async def test_claim_complete_and_read_back(store: IdempotencyStore) -> None:
    now = time.time()
    assert (
        await store.claim("k1", fingerprint="f", token="t1", expires_at=now + 30, now=now) is None
    )
    held = await store.claim("k1", fingerprint="f", token="t2", expires_at=now + 30, now=now)
    assert held is not None and held.status == "in_progress" and held.token == "t1"
    await store.complete("k1", fingerprint="f", token="t1", expires_at=now + 60, response=b"r")
    entries = await store.get_many(["k1", "missing"])
    assert set(entries) == {"k1"}
    assert entries["k1"].status == "completed" and entries["k1"].response == b"r"
    held = await store.claim("k1", fingerprint="f", token="t3", expires_at=now + 30, now=now)
    assert held is not None and held.status == "completed"


async def test_expired_claims_are_taken_over(store: IdempotencyStore) -> None:
    now = time.time()
    assert (
        await store.claim("k", fingerprint="f", token="old", expires_at=now - 1, now=now - 5)
        is None
    )
    assert (
        await store.claim("k", fingerprint="f", token="new", expires_at=now + 30, now=now) is None
    )
    await store.release("k", token="old")  # the old holder's late release leaves it alone
    (entry,) = (await store.get_many(["k"])).values()
    assert entry.token == "new" and entry.status == "in_progress"
    await store.release("k", token="new")
    assert await store.get_many(["k"]) == {}


async def test_many_keys_in_one_read(store: IdempotencyStore) -> None:
    now = time.time()
    keys = [f"key-{i}" for i in range(230)]
    for k in keys[::2]:
        await store.claim(k, fingerprint=k, token="t", expires_at=now + 30, now=now)
    found = await store.get_many(keys)
    assert sorted(found) == sorted(keys[::2])
    assert all(e.fingerprint == k for k, e in found.items())


async def test_memory_store_claims_and_settles_a_batch_at_once() -> None:
    from lambent.idempotency import ImmediateStore, MemoryStore

    store = MemoryStore()
    assert isinstance(store, ImmediateStore)
    now = time.time()
    await store.complete("r#done", fingerprint="", token="t0", expires_at=now + 60, response=None)
    claim = store.claim_batch(
        "r", ["a", "b", "done", "a", "c"], None, token="t1", expires_at=now + 30, now=now
    )
    assert set(claim.held) == {2, 3}  # done before; "a" a second time in the batch
    assert claim.held[3] is None and claim.held[2] is not None
    assert claim.held[2].status == "completed"
    other = store.claim_batch("r", ["b"], None, token="t2", expires_at=now + 30, now=now)
    assert other.held[0] is not None and other.held[0].status == "in_progress"
    claim.settle([1], expires_at=now + 60, responses={4: b"stored"})  # "b" failed
    entries = await store.get_many(["r#a", "r#b", "r#c", "r#done"])
    assert {k: e.status for k, e in entries.items()} == {
        "r#a": "completed",
        "r#c": "completed",
        "r#done": "completed",
    }
    assert entries["r#c"].response == b"stored" and entries["r#a"].response is None


@pytest.mark.parametrize("keep", [0, -1.0, float("nan"), float("inf"), "3600", True])
def test_memory_store_refuses_a_keep_that_is_not_a_positive_time(keep: object) -> None:
    with pytest.raises(ConfigurationError, match=r"MemoryStore: keep must be"):
        MemoryStore(keep=keep)  # type: ignore[arg-type]
