"""The dispatcher's metrics count idempotent records by their outcome: a record found done
succeeded, one held elsewhere failed, in every mix of failures, drops, deadline cuts and
keys already in the store (hypothesis)."""

from __future__ import annotations

import contextlib
import io
import time

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent import App
from lambent._fast import general_path
from lambent.idempotency import MemoryStore
from lambent.metrics import Metrics
from lambent.testing import FakeContext, sqs_event
from tests import emf

KINDS = st.sampled_from(["ok", "fail", "bad", "slow", "done", "held"])


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(KINDS, min_size=1, max_size=20))
async def test_counts_equal_the_outcome_with_keys_in_the_store(
    kinds: list[str], general: bool
) -> None:
    out = io.StringIO()
    store = MemoryStore()
    app = App(
        idempotency=store,
        metrics=Metrics(namespace="shop", stream=out),
        deadline_margin=0.0,
    )
    ran: list[str] = []

    @app.sqs("jobs", idempotent=True, on_decode_error="drop")
    async def job(body: dict[str, str]) -> None:
        ran.append(body["kind"])
        if body["kind"] == "fail":
            raise RuntimeError("failed on purpose")
        if body["kind"] == "slow":
            await anyio.sleep(30)

    bodies = ["{not json" if k == "bad" else {"kind": k} for k in kinds]
    event = sqs_event(*bodies, queue="jobs")
    scope = f"{job.__module__}.{job.__qualname__}"
    now = time.time()
    for kind, record in zip(kinds, event["Records"], strict=True):
        key = f"{scope}#{record['messageId']}"
        if kind == "done":
            await store.complete(key, fingerprint="", token="t", expires_at=now + 60, response=None)
        elif kind == "held":
            await store.claim(key, fingerprint="", token="t", expires_at=now + 60, now=now)
    budget = 0.5 if "slow" in kinds else 30.0
    with general_path() if general else contextlib.nullcontext():
        result = await app.dispatch(event, FakeContext(timeout=budget))
    (doc,) = [d for d in emf.read(out.getvalue()) if "Source" in d]
    assert doc["BatchSize"] == len(kinds)
    assert doc["RecordsSucceeded"] == kinds.count("ok") + kinds.count("done")
    assert doc["RecordsFailed"] == kinds.count("fail") + kinds.count("held")
    assert doc["RecordsDropped"] == kinds.count("bad")
    assert doc["RecordsCutByDeadline"] == kinds.count("slow")
    assert len(result["batchItemFailures"]) == doc["RecordsFailed"] + doc["RecordsCutByDeadline"]
    assert sorted(ran) == sorted(k for k in kinds if k in ("ok", "fail", "slow"))
    # what succeeded is done now; what failed or was cut left nothing behind
    keys = [f"{scope}#{record['messageId']}" for record in event["Records"]]
    entries = await store.get_many(keys)
    # a dropped record keeps nothing: its redelivery is dropped again
    expected = {"ok": "completed", "done": "completed", "held": "in_progress"}
    for kind, key in zip(kinds, keys, strict=True):
        entry = entries.get(key)
        assert (entry.status if entry else None) == expected.get(kind), (kind, entry)
