"""Handler calls (:mod:`lambent._calls`): one argument builder for every Slot plan, fused
shapes behind ``lambent._fast``, decode errors naming the record."""

from __future__ import annotations

from typing import Any, Self

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lambent import DecodeError, LambdaContext, Logger
from lambent._calls import make_call
from lambent._fast import general_path
from lambent._inject import Slot
from lambent._record_params import resolve
from lambent.sources import load
from lambent.sources.sqs import SQSMessage
from lambent.testing import FakeContext, sqs_event
from tests.loggers import QuietLogger


class Order(msgspec.Struct):
    id: int


SQS = load("sqs")[0]


def _message(body: Any) -> Any:
    return SQS.items(msgspec.convert(sqs_event(body, seed=1), SQS.event_type))[0]


def test_arguments_by_position_and_keyword_each_from_its_slot() -> None:
    seen: dict[str, Any] = {}

    def handler(order: Order, message: SQSMessage, *, context: LambdaContext, log: Logger) -> str:
        seen.update(order=order, message=message, context=context)
        log.info("called")
        return "done"

    plan = resolve(handler, where="t", item_type=SQS.item_type, event_type=SQS.event_type)
    context = FakeContext()
    message = _message({"id": 3})
    with capture_logs() as logs:
        call = make_call(plan, SQS, None, context, _Log())
        assert call(message, 0) == "done"
    assert seen == {"order": Order(3), "message": message, "context": context}
    assert logs == [] and _Log.bound == [{"record_id": message.message_id}]


class _Log(QuietLogger):
    """A logger that records what it was bound with."""

    bound: list[dict[str, Any]] = []

    def bind(self, **values: Any) -> Self:
        _Log.bound.append(values)
        return self


def test_extra_slots_are_given_values_and_a_bad_payload_names_the_record() -> None:
    logs: list[object] = []

    def whole(records, log: Logger) -> int:  # type: ignore[no-untyped-def]
        logs.append(log)
        return len(records)

    plan = resolve(whole, where="t", item_type=SQS.item_type, event_type=None, allow_items=True)
    call = make_call(
        plan, None, None, None, _Log(), extra={Slot.ITEMS: [1, 2], Slot.LOGGER: "batch logger"}
    )
    assert call(None, 0) == 2
    assert logs == ["batch logger"]  # the slot's value, handed over as it is

    def one(order: Order) -> None: ...

    bad = _message({"id": "x"})
    plan = resolve(one, where="t", item_type=SQS.item_type, event_type=None)
    with pytest.raises(DecodeError) as info:
        make_call(plan, SQS, None, None, _Log())(bad, 0)
    assert info.value.record_id == bad.message_id and info.value.path == "$.id"


@given(
    body=st.one_of(
        st.builds(lambda i: {"id": i}, st.integers()), st.just({"id": "x"}), st.just("[")
    )
)
def test_fused_calls_answer_as_the_general_path(body: Any) -> None:
    def one(order: Order) -> int:
        return order.id

    def two(order: Order, message: SQSMessage) -> tuple[int, str]:
        return order.id, message.message_id

    message = _message(body)
    for fn in (one, two):
        plan = resolve(fn, where="t", item_type=SQS.item_type, event_type=None)
        fast = _outcome(make_call(plan, SQS, None, None, _Log()), message)
        with general_path():
            general = _outcome(make_call(plan, SQS, None, None, _Log()), message)
        assert fast == general


def _outcome(call: Any, message: Any) -> Any:
    try:
        return call(message, 0)
    except DecodeError as exc:
        return (exc.record_id, exc.path, exc.reason)
