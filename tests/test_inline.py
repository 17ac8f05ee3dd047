"""Plain handlers run inline (:mod:`lambent._inline`): the single-route loop, with the
payload read by a subscript (raw records) or by the source's reader, gives every item the
outcome the general inline loop gives it, and no item starts after the deadline."""

from __future__ import annotations

import json
import operator
import time
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent._calls import PayloadCall
from lambent._decode import as_decode_error
from lambent._dispatch import Batch, Runner, Status
from lambent._fast import FAST
from lambent._inline import run_plain


class Unlucky(Exception):
    pass


class Halt(BaseException):
    pass


class Order(msgspec.Struct):
    id: int
    qty: int = 1

    def __post_init__(self) -> None:
        # the payload type's own code, run while decoding: msgspec passes on what is not
        # a ValueError or TypeError
        if self.id == 13:
            raise Unlucky(f"order {self.id}")
        if self.id == 14:
            raise Halt(f"order {self.id}")


async def _later(n: int) -> int:
    return n


def _handler(order: Order) -> Any:
    if order.qty < 0:
        raise ValueError(f"order {order.id}: negative quantity")
    if order.qty == 3:  # a coroutine it does not await: that record fails
        return _later(order.id)
    return order.id if order.qty > 1 else None


def _runner(key: str | None, *, drop: bool = False) -> Runner:
    decode = msgspec.json.Decoder(Order).decode
    parts = PayloadCall(
        operator.itemgetter("body"), decode, _handler, operator.itemgetter("id"), True, key
    )

    def call(item: Any, index: int) -> Any:  # the general inline loop's call
        try:
            value = decode(item["body"])
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise as_decode_error(exc, item["id"]) from exc
        return _handler(value)

    return Runner(call=call, payload=parts, drop_on_decode_error=drop)


def _outcome(batch: Batch) -> tuple[list[int], dict[int, str], dict[int, Any]]:
    errors = {i: f"{type(e).__name__}: {e}" for i, e in batch.errors.items()}
    return list(batch.status), errors, dict(batch.results)


BODIES = st.lists(
    st.one_of(
        st.builds(
            lambda i, q: json.dumps({"id": i, "qty": q}), st.integers(0, 99), st.integers(-1, 3)
        ),
        st.just("not json"),
        st.just('{"id": "x"}'),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(bodies=BODIES, drop=st.booleans(), decided=st.sets(st.integers(0, 29), max_size=3))
def test_the_single_route_loop_answers_as_the_general_inline_loop(
    bodies: list[str], drop: bool, decided: set[int]
) -> None:
    """By subscript, by reader, or one item at a time: the same statuses, errors and
    results, also when some items failed before running, and when the payload type's own
    code fails the decode (orders 13 and 14)."""
    items = [{"id": f"m-{i}", "body": body} for i, body in enumerate(bodies)]
    outcomes = []
    for key, fused in ((None, True), ("body", True), ("body", False)):
        runner = _runner(key, drop=drop)
        batch = Batch(items)
        batch.runners = [runner] * len(items)
        for i in decided & set(range(len(items))):
            batch.fail(i, RuntimeError("unroutable"))
        FAST.single_route_runs = fused
        try:
            run_plain(batch, None, used={runner})
        finally:
            del FAST.single_route_runs  # back to the class default
        outcomes.append(_outcome(batch))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    statuses = outcomes[0][0]
    assert Status.PENDING not in statuses and Status.STARTED not in statuses


def _scanned(statuses: list[int]) -> tuple[list[int], dict[str, int]]:
    """The failed items and the summary, by a scan of every status."""
    ok = (Status.SUCCEEDED, Status.DROPPED)
    counts = {
        "succeeded": statuses.count(Status.SUCCEEDED),
        "failed": statuses.count(Status.FAILED),
        "skipped": statuses.count(Status.SKIPPED),
        "not_started": statuses.count(Status.NOT_STARTED) + statuses.count(Status.CANCELLED),
        "dropped": statuses.count(Status.DROPPED),
    }
    return [i for i, s in enumerate(statuses) if s not in ok], counts


@settings(max_examples=60, deadline=None)
@given(
    bodies=BODIES,
    drop=st.booleans(),
    decided=st.sets(st.integers(0, 29), max_size=3),
    later=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(list(Status))), max_size=3),
)
def test_a_batchs_failed_items_and_summary_are_a_scan_of_its_statuses(
    bodies: list[str], drop: bool, decided: set[int], later: list[tuple[int, Status]]
) -> None:
    """After the single-route loop, ``Batch.failed`` and ``Batch.summary`` (which take
    shortcuts: the errors, the usual counts) give what a scan of the statuses finds, for
    any mix of outcomes; also after statuses changed later."""
    items = [{"id": f"m-{i}", "body": body} for i, body in enumerate(bodies)]
    runner = _runner("body", drop=drop)
    batch = Batch(items)
    batch.runners = [runner] * len(items)
    for i in decided & set(range(len(items))):
        batch.fail(i, RuntimeError("unroutable"))
    run_plain(batch, None, used={runner})
    failed, counts = _scanned(list(batch.status))
    assert batch.failed() == failed
    assert batch.summary() == counts and list(batch.summary()) == list(counts)
    for i, status in later:
        if i < len(items):
            batch.status[i] = status
    failed, counts = _scanned(list(batch.status))
    assert batch.failed() == failed
    assert batch.summary() == counts


def _fused(handler: Any, key: str | None) -> Runner:
    """A runner whose items the single-route loop runs itself (no general call)."""
    decode = msgspec.json.Decoder(Order).decode
    parts = PayloadCall(
        operator.itemgetter("body"), decode, handler, operator.itemgetter("id"), True, key
    )
    return Runner(call=lambda item, index: None, payload=parts)


@pytest.mark.parametrize("key", [None, "body"])
def test_no_item_starts_after_the_deadline(key: str | None) -> None:
    """Item 1 takes past the deadline: it finishes (a plain call cannot be interrupted),
    the ones after it are not started; with no time at all, none is."""
    calls: list[int] = []

    def slow(order: Order) -> None:
        calls.append(order.id)
        if order.id == 1:
            time.sleep(0.05)

    runner = _fused(slow, key)
    items = [{"id": f"m-{i}", "body": json.dumps({"id": i})} for i in range(4)]
    batch = Batch(items)
    batch.runners = [runner] * 4
    run_plain(batch, 0.02, used={runner})
    assert calls == [0, 1]
    assert list(batch.status) == [Status.SUCCEEDED] * 2 + [Status.NOT_STARTED] * 2
    late = Batch(items)
    late.runners = [runner] * 4
    run_plain(late, 0.0, used={runner})
    assert calls == [0, 1] and list(late.status) == [Status.NOT_STARTED] * 4


def test_far_from_the_deadline_the_clock_is_read_every_stride(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While more than ``FAR`` seconds remain the clock is read every ``STRIDE`` items: an
    item that runs past the deadline lets at most ``STRIDE - 1`` more start; with the
    stride off (or within ``FAR``), none."""
    import lambent._inline as inline

    monkeypatch.setattr(inline, "FAR", 0.05)
    calls: list[int] = []

    def slow(order: Order) -> None:
        calls.append(order.id)
        if order.id == 1:
            time.sleep(0.15)  # from more than FAR before the deadline to past it

    runner = _fused(slow, "body")
    items = [{"id": f"m-{i}", "body": json.dumps({"id": i})} for i in range(inline.STRIDE + 4)]
    for stride, started in ((True, inline.STRIDE), (False, 2)):
        calls.clear()
        batch = Batch(items)
        batch.runners = [runner] * len(items)
        monkeypatch.setattr(FAST, "deadline_stride", stride)
        run_plain(batch, 0.1, used={runner})
        assert calls == list(range(started))
        assert batch.status.count(Status.NOT_STARTED) == len(items) - started
