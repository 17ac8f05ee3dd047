"""run_request over a MemoryStore (lambent.idempotency._request): one run per key, the
response replayed; a different request with the key is 422, one still running 409, and a
5xx response stores nothing."""

from __future__ import annotations

import time

import anyio

from lambent.idempotency import MemoryStore, StoredResponse, run_request


async def test_request_replay_mismatch_conflict_and_5xx() -> None:
    store = MemoryStore()
    runs: list[str] = []
    until = time.time() + 30

    async def created() -> StoredResponse:
        runs.append("created")
        return StoredResponse(201, {"content-type": "application/json"}, b'{"id":1}')

    first = await run_request(store, key="k", content=b"body", expires_at=until, call=created)
    again = await run_request(store, key="k", content=b"body", expires_at=until, call=created)
    assert runs == ["created"]
    assert (again.status, again.body) == (201, b'{"id":1}')
    assert again.headers["idempotent-replayed"] == "true" and first.status == 201
    other = await run_request(store, key="k", content=b"other", expires_at=until, call=created)
    assert other.status == 422 and b"different request" in other.body

    release = anyio.Event()

    async def slow() -> StoredResponse:
        await release.wait()
        return StoredResponse(200, {}, b"slow")

    answers: list[StoredResponse] = []

    async def call_slow() -> None:
        answers.append(await run_request(store, key="s", content=b"", expires_at=until, call=slow))

    async with anyio.create_task_group() as tg:
        tg.start_soon(call_slow)
        await anyio.sleep(0.01)
        busy = await run_request(store, key="s", content=b"", expires_at=until, call=slow)
        assert busy.status == 409
        release.set()
    assert answers[0].body == b"slow"

    async def broken() -> StoredResponse:
        return StoredResponse(503, {}, b"")

    assert (
        await run_request(store, key="b", content=b"", expires_at=until, call=broken)
    ).status == 503
    assert await store.get_many(["b"]) == {}  # a 5xx leaves nothing: the retry runs
