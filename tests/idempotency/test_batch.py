"""Per-record idempotency around a batch (lambent.idempotency._batch), through the dispatcher:
SQS redelivery, two containers sharing a store (DynamoDB through moto on 127.0.0.1, and memory), the deadline, ordered sources."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from typing import Any

import anyio
import msgspec
import pytest
from structlog.testing import capture_logs

from lambent import App, ConfigurationError
from lambent._fast import general_path
from lambent.idempotency import DynamoDBStore, IdempotencyError, IdempotencyStore, MemoryStore
from lambent.testing import FakeContext, deliver, kinesis_event, sqs_event

pytestmark = pytest.mark.network


async def test_sqs_redelivered_three_times(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    runs: Counter[str] = Counter()
    attempts: Counter[str] = Counter()

    @app.sqs("orders", idempotent=True)
    async def on_order(body: dict[str, Any]) -> None:
        attempts[body["n"]] += 1
        if body["fail_until"] >= attempts[body["n"]]:
            raise RuntimeError(f"{body['n']} fails on attempt {attempts[body['n']]}")
        runs[body["n"]] += 1

    bodies = [{"n": f"r{i}", "fail_until": i % 4} for i in range(8)]
    event = sqs_event(*bodies, queue="orders")
    results = await deliver(app, event, attempts=4)
    assert [len(r["batchItemFailures"]) for r in results] == [6, 4, 2, 0]
    assert runs == {f"r{i}": 1 for i in range(8)}
    # a record that fails k times runs k + 1 times: only failed ones reran
    assert attempts == {f"r{i}": i % 4 + 1 for i in range(8)}
    # the whole batch again (a function error or timeout retries every message):
    # every record is done, nothing runs, the batch succeeds
    assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert attempts == {f"r{i}": i % 4 + 1 for i in range(8)}


async def test_same_business_key_runs_once(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    charged: list[str] = []

    @app.sqs("payments", idempotency_key=lambda payment: payment["payment_id"])
    def charge(payment: dict[str, Any]) -> None:
        charged.append(payment["payment_id"])

    body = {"payment_id": "p-1", "amount": 5}
    first = sqs_event(body, {"payment_id": "p-2", "amount": 1}, queue="payments")
    second = sqs_event(body, queue="payments")  # sent twice: another message id
    assert first["Records"][0]["messageId"] != second["Records"][0]["messageId"]
    assert await deliver(app, first) == [{"batchItemFailures": []}]
    assert await deliver(app, second) == [{"batchItemFailures": []}]
    assert sorted(charged) == ["p-1", "p-2"]
    reused = sqs_event({"payment_id": "p-1", "amount": 6}, queue="payments")
    (result,) = await deliver(app, reused, attempts=1)
    assert len(result["batchItemFailures"]) == 1  # same key, other content: an error
    assert sorted(charged) == ["p-1", "p-2"]


async def test_two_containers_sharing_a_store(store: IdempotencyStore) -> None:
    release = anyio.Event()
    started = anyio.Event()
    ran: list[str] = []

    def container(name: str) -> App:
        app = App(idempotency=store)

        @app.sqs("jobs", idempotent=True)
        async def job(body: dict[str, Any]) -> None:
            ran.append(name)
            if name == "a":
                started.set()
                await release.wait()

        return app

    a, b = container("a"), container("b")
    event = sqs_event({"job": 1}, queue="jobs")
    results: dict[str, Any] = {}

    async def run_a() -> None:
        results["a"] = await a.dispatch(event, FakeContext(timeout=30))

    async with anyio.create_task_group() as tg:
        tg.start_soon(run_a)
        await started.wait()
        # in progress in container a: b does not run it and reports it failed
        results["b"] = await b.dispatch(event, FakeContext(timeout=30))
        release.set()
    assert ran == ["a"]
    assert len(results["b"]["batchItemFailures"]) == 1
    assert results["a"] == {"batchItemFailures": []}
    # done in a: a redelivery to b counts as success without running
    assert await b.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert ran == ["a"]


async def test_expired_claim_is_taken_over(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    ran: list[str] = []

    @app.sqs("jobs", idempotent=True)
    async def job(body: dict[str, Any]) -> None:
        ran.append(body["id"])

    event = sqs_event({"id": "x"}, queue="jobs")
    message_id = event["Records"][0]["messageId"]
    key = f"{job.__module__}.{job.__qualname__}#{message_id}"
    from lambent.idempotency import fingerprint

    body = event["Records"][0]["body"]
    now = time.time()
    # a container that died mid-record: its claim expired with its invocation
    await store.claim(
        key, fingerprint=fingerprint(body), token="dead", expires_at=now - 1, now=now - 10
    )
    assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert ran == ["x"]
    # a live claim elsewhere is respected
    other = sqs_event({"id": "y"}, queue="jobs")
    other_key = f"{key.split('#')[0]}#{other['Records'][0]['messageId']}"
    await store.claim(
        other_key,
        fingerprint=fingerprint(other["Records"][0]["body"]),
        token="live",
        expires_at=now + 60,
        now=now,
    )
    result = await app.dispatch(other, FakeContext())
    assert len(result["batchItemFailures"]) == 1 and ran == ["x"]


async def test_record_cut_by_the_deadline_runs_on_the_retry(store: IdempotencyStore) -> None:
    ran: list[str] = []

    def container(seconds: float) -> App:
        app = App(idempotency=store, deadline_margin=0.1)

        @app.sqs("jobs", idempotent=True)
        async def job(body: dict[str, Any]) -> None:
            await anyio.sleep(seconds)
            ran.append(body["id"])

        return app

    slow, fast = container(5), container(0)  # the same code: the same keys
    event = sqs_event({"id": "cut"}, queue="jobs")
    cut = await slow.dispatch(event, FakeContext(timeout=0.3))
    assert len(cut["batchItemFailures"]) == 1 and ran == []
    # released at the cut, not held until an expiry: the retry runs at once
    assert await fast.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert ran == ["cut"]


async def test_kinesis_order_kept_with_done_and_busy_records() -> None:
    store = MemoryStore()
    app = App(idempotency=store)
    seen: list[int] = []

    @app.kinesis("clicks", idempotent=True)
    def click(body: dict[str, int]) -> None:
        if body["n"] == 2 and seen.count(2) == 0:
            seen.append(2)
            raise RuntimeError("first try of 2 fails")
        seen.append(body["n"])

    event = kinesis_event(*({"n": n} for n in range(5)), stream="clicks", partition_key="one")
    results = await deliver(app, event)
    numbers = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    # 0 and 1 done; 2 failed; 3 and 4 not run (same partition key, after a failure)
    assert results[0] == {"batchItemFailures": [{"itemIdentifier": n} for n in numbers[2:]]}
    assert results[-1] == {"batchItemFailures": []}
    assert seen == [0, 1, 2, 2, 3, 4]  # in order, each succeeded once


def test_idempotent_route_needs_a_store() -> None:
    with pytest.raises(ConfigurationError, match="idempotency=MemoryStore"):
        App().sqs("q", idempotent=True)(lambda body: None)


def test_importing_idempotency_imports_no_aws_sdk() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, lambent.idempotency as i; i.DynamoDBStore('t'); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'botocore', 'aiobotocore'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert DynamoDBStore("t").table == "t"


async def test_a_record_that_does_not_decode_fails_alone() -> None:
    app = App(idempotency=MemoryStore())
    ran: list[int] = []

    @app.sqs("jobs", idempotent=True)
    def job(body: dict[str, int]) -> None:
        ran.append(body["n"])

    event = sqs_event({"n": 1}, {"n": 2}, {"n": 3}, queue="jobs")
    event["Records"][1]["attributes"] = "oops"  # not an object: this record cannot be read
    result = await app.dispatch(event, FakeContext())
    assert sorted(ran) == [1, 3]
    assert len(result["batchItemFailures"]) == 1
    assert await app.dispatch(event, FakeContext()) == result  # done ones are skipped
    assert sorted(ran) == [1, 3]


async def test_same_business_key_twice_in_one_batch_runs_once(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    charged: list[str] = []

    @app.sqs("payments", idempotency_key=lambda payment: payment["payment_id"])
    def charge(payment: dict[str, Any]) -> None:
        charged.append(payment["payment_id"])

    body = {"payment_id": "p-9", "amount": 5}
    results = await deliver(app, sqs_event(body, body, {"payment_id": "p-10"}, queue="payments"))
    assert results[-1] == {"batchItemFailures": []}
    assert sorted(charged) == ["p-10", "p-9"]


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
@pytest.mark.parametrize("keyed_by", ["message id", "payload"])
async def test_a_dropped_record_keeps_nothing_and_is_dropped_again(
    store: IdempotencyStore, keyed_by: str, general: bool
) -> None:
    """``on_decode_error="drop"``: a payload that does not decode is dropped (not failed,
    also when the key is read from it), nothing is stored for it, and its redelivery is
    decoded and dropped again; the same on the fast paths (a plain handler's raw SQS
    records) and the general path, with an immediate store and an awaited one."""
    app = App(idempotency=store)
    ran: list[str] = []
    key: dict[str, Any] = (
        {"idempotent": True}
        if keyed_by == "message id"
        else {"idempotency_key": lambda body: body["k"]}
    )

    @app.sqs("jobs", on_decode_error="drop", **key)
    def job(body: dict[str, str]) -> None:
        ran.append(body["k"])

    event = sqs_event({"k": "a"}, "{not json", {"k": "b"}, queue="jobs")
    scope = f"{job.__module__}.{job.__qualname__}"
    with general_path() if general else contextlib.nullcontext():
        first = await app.dispatch(event, FakeContext())
        again = await app.dispatch(event, FakeContext())
    assert first == again == {"batchItemFailures": []}
    assert sorted(ran) == ["a", "b"]  # the done ones ran once; the dropped one never ran
    bad = event["Records"][1]["messageId"]
    ids = [r["messageId"] for r in event["Records"]] if keyed_by == "message id" else ["a", "b"]
    entries = await store.get_many([f"{scope}#{i}" for i in ids])
    assert {k: e.status for k, e in entries.items()} == {
        f"{scope}#{i}": "completed" for i in ids if i != bad
    }


class Refused(Exception):
    pass


class Halt(BaseException):
    pass


class Payment(msgspec.Struct):
    payment_id: str

    def __post_init__(self) -> None:
        # the type's own code, run while the payload decodes (msgspec passes these on)
        if self.payment_id == "refused":
            raise Refused(self.payment_id)
        if self.payment_id == "halt":
            raise Halt(self.payment_id)


def _key_of(payment: Payment) -> str:
    if payment.payment_id == "keyless":
        raise Halt("no key")  # the key function's own failure, a BaseException too
    return payment.payment_id


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
async def test_a_payload_or_key_that_fails_on_its_own_fails_that_record_alone(
    store: IdempotencyStore, general: bool
) -> None:
    """Reading a record's business key decodes its payload: what the payload type's own
    code or the key function raises (any exception) fails that record, reported, and the
    others run; nothing leaves the invocation."""
    app = App(idempotency=store)
    charged: list[str] = []

    @app.sqs("payments", idempotency_key=_key_of)
    def charge(payment: Payment) -> None:
        charged.append(payment.payment_id)

    ids = ["p-1", "refused", "halt", "keyless", "p-2"]
    event = sqs_event(*({"payment_id": i} for i in ids), queue="payments")
    with general_path() if general else contextlib.nullcontext():
        result = await app.dispatch(event, FakeContext())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {event["Records"][i]["messageId"] for i in (1, 2, 3)}
    assert sorted(charged) == ["p-1", "p-2"]


class Note(msgspec.Struct):
    id: int
    ref: str | None = None


async def test_a_key_function_returning_none_fails_that_record_saying_so(
    store: IdempotencyStore,
) -> None:
    """``None`` is no key: every payload without the field would share the key "None",
    the first one's run standing for the others (or failing them as a key reused with
    other content)."""
    app = App(idempotency=store)
    ran: list[int] = []

    @app.sqs("notes", idempotency_key=lambda note: note.ref)
    def keep(note: Note) -> None:
        ran.append(note.id)

    event = sqs_event({"id": 1, "ref": "a"}, {"id": 2}, {"id": 3}, queue="notes")
    with capture_logs() as logs:
        result = await app.dispatch(event, FakeContext())
    assert result == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][i]["messageId"]} for i in (1, 2)]
    }
    assert ran == [1]
    errors = [e["error"] for e in logs if e["event"] == "record failed"]
    assert len(errors) == 2 and all("returned None for this payload" in e for e in errors)

    def direct(note: Note) -> int:
        return note.id

    direct_app = App(idempotency=store)
    direct_app.invoke(idempotency_key=lambda note: note.ref)(direct)
    with pytest.raises(IdempotencyError, match="returned None for this payload"):
        await direct_app.dispatch({"id": 4}, FakeContext())


class _Opaque:
    """No ``__str__`` nor ``__repr__``: its text is its address."""


@pytest.mark.parametrize(
    ("key", "said"), [(lambda o: _Opaque(), "memory address"), (lambda o: {"a", "b"}, "order")]
)
def test_a_key_whose_text_differs_for_equal_payloads_fails_its_record(key: Any, said: str) -> None:
    ran: list[int] = []
    app = App(idempotency=MemoryStore())

    @app.sqs("orders", idempotency_key=key)
    def place(order: dict[str, int]) -> None:
        ran.append(order["n"])

    event = sqs_event({"n": 1}, queue="orders")
    with capture_logs() as logs:
        answer = app.handler(event, FakeContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert ran == []
    (error,) = [str(e["error"]) for e in logs if e.get("event") == "record failed"]
    assert "IdempotencyError" in error and said in error
