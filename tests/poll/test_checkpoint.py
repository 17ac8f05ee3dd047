"""Per-shard checkpoints (lambent.poll._checkpoint): kept in memory, in a JSON file a
restarted poller reads back, or in a DynamoDB table (moto on 127.0.0.1) created when
missing."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lambent.aws
from lambent.poll._backoff import Retrier
from lambent.poll._checkpoint import (
    Checkpoint,
    DynamoDBCheckpoints,
    FileCheckpoints,
    MemoryCheckpoints,
)
from tests.loggers import QuietLogger

checkpoints = st.builds(Checkpoint, st.none() | st.text("0123456789", min_size=1), st.booleans())
writes = st.lists(st.tuples(st.sampled_from(["s-1", "s-2", "s/3 é"]), checkpoints), max_size=8)


@given(writes)
async def test_the_last_write_of_each_shard_is_read_back_also_after_a_restart(
    puts: list[tuple[str, Checkpoint]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "checkpoints.json")
        memory, file = MemoryCheckpoints(), FileCheckpoints(path)
        for key, checkpoint in puts:
            await memory.put(key, checkpoint)
            await file.put(key, checkpoint)
        expected = dict(puts)
        restarted = FileCheckpoints(path)
        for key in ("s-1", "s-2", "s/3 é"):
            assert await memory.get(key) == expected.get(key)
            assert await restarted.get(key) == expected.get(key)
        leftovers = [p async for p in anyio.Path(folder).glob("*.tmp")]
        assert leftovers == []  # written whole, then renamed


async def test_an_empty_or_absent_file_has_no_checkpoints(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("")
    for path in (tmp_path / "empty.json", tmp_path / "absent.json"):
        assert await FileCheckpoints(str(path)).get("shard-1") is None


async def test_the_file_is_json_a_person_can_read(tmp_path: Path) -> None:
    store = FileCheckpoints(str(tmp_path / "c.json"))
    await store.put(
        "shard-1", Checkpoint("49590338271490256608559692538361571095921575989136588898")
    )
    await store.put("shard-0", Checkpoint(None, ended=True))
    assert json.loads((tmp_path / "c.json").read_text()) == {
        "shard-0": {"sequence": None, "ended": True},
        "shard-1": {
            "sequence": "49590338271490256608559692538361571095921575989136588898",
            "ended": False,
        },
    }


@pytest.mark.network
async def test_dynamodb_checkpoints_create_their_table_and_read_back(moto_url: str) -> None:
    client = await lambent.aws.client("dynamodb", region="us-east-1", endpoint_url=moto_url)
    retry = Retrier("checkpoints", QuietLogger(), base=0.0, cap=0.0, on_outage=lambda: None)
    store = DynamoDBCheckpoints(f"checkpoints-{time.monotonic_ns()}", client, retry)
    try:
        await store.prepare()
        await store.prepare()  # a table that exists is used as it is
        assert await store.get("shard-1") is None
        await store.put("shard-1", Checkpoint("42"))
        await store.put("shard-2", Checkpoint(None, ended=True))
        assert await store.get("shard-1") == Checkpoint("42")
        assert await store.get("shard-2") == Checkpoint(None, ended=True)
    finally:
        await lambent.aws.close()
