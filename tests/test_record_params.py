"""The rules of record, event, direct-invocation and WebSocket handlers
(``lambent._record_params.resolve``): each parameter's slot by its annotation or its name,
one payload decoded into its type, and what cannot work refused naming the handler and
the parameter (through the decorators: tests/test_record_routes.py, tests/test_inject.py)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from lambent import ConfigurationError, LambdaContext, Logger
from lambent._inject import Slot
from lambent._record_params import resolve
from lambent.metrics import Metrics
from lambent.sources.sqs import SQSEvent, SQSMessage


class Order(msgspec.Struct):
    id: int


class Ticket:
    async def provide(self) -> int:
        return 1


NAMED = {"old": lambda item: {"id": 1}}


def _slots(fn: Any, **options: Any) -> dict[str, tuple[Slot, bool]]:
    plan = resolve(fn, where="sqs route", item_type=SQSMessage, event_type=SQSEvent, **options)
    return {p.name: (p.slot, p.kw_only) for p in plan.params}


def test_each_parameter_gets_its_slot_by_annotation_or_by_name() -> None:
    def handler(
        order: Order,
        message: SQSMessage,
        event: SQSEvent,
        old: Order | None,
        state: dict[str, int],
        context: LambdaContext,
        *,
        log: Logger,
        metrics: Metrics,
    ) -> None:
        pass

    assert _slots(handler, named=NAMED, state=True) == {
        "order": (Slot.PAYLOAD, False),
        "message": (Slot.ITEM, False),
        "event": (Slot.EVENT, False),
        "old": (Slot.NAMED, False),
        "state": (Slot.STATE, False),
        "context": (Slot.CONTEXT, False),
        "log": (Slot.LOGGER, True),
        "metrics": (Slot.METRICS, True),
    }


def test_unannotated_parameters_by_their_names() -> None:
    def window(records, state, old, context, logger) -> None:  # type: ignore[no-untyped-def]
        pass

    assert {
        n: s for n, (s, _) in _slots(window, named=NAMED, state=True, allow_items=True).items()
    } == {
        "records": Slot.ITEMS,
        "state": Slot.STATE,
        "old": Slot.NAMED,
        "context": Slot.CONTEXT,
        "logger": Slot.LOGGER,
    }


def test_the_payload_is_decoded_into_its_type_and_named_on_the_plan() -> None:
    def handler(message: SQSMessage, order: Order) -> None:
        pass

    plan = resolve(handler, where="sqs route", item_type=SQSMessage, event_type=SQSEvent)
    assert plan.payload is not None and plan.payload.name == "order"
    assert plan.payload.annotation is Order and plan.payload.decoder is not None
    assert plan.payload.decoder(b'{"id": 7}') == Order(7)
    assert plan.wants == {Slot.ITEM, Slot.PAYLOAD}
    assert plan.describe().endswith("handler(message: item, order: payload)")


def test_parameters_after_a_provided_one_are_passed_by_keyword() -> None:
    async def handler(ticket: Annotated[int, Ticket()], order: Order, message: SQSMessage) -> None:
        pass

    plan = resolve(handler, where="sqs route", item_type=SQSMessage, event_type=SQSEvent)
    assert [(p.name, p.kw_only) for p in plan.params] == [("order", True), ("message", True)]
    assert plan.fn is not handler and plan.is_async


def test_a_whole_batch_parameter_where_batches_are_allowed_only() -> None:
    def whole(records: list[SQSMessage]) -> None:
        pass

    def both(records: list[SQSMessage], order: Order) -> None:
        pass

    assert _slots(whole, allow_items=True) == {"records": (Slot.ITEMS, False)}
    with pytest.raises(ConfigurationError, match="'records': a whole-batch parameter is not"):
        _slots(whole)
    with pytest.raises(ConfigurationError, match=r"both takes the whole batch and a single rec"):
        _slots(both, allow_items=True)


def test_what_cannot_be_passed_is_refused_naming_the_parameter() -> None:
    def two(order: Order, other: Order) -> None:
        pass

    def unannotated(order: Order, retries) -> None:  # type: ignore[no-untyped-def]
        pass

    def first_unannotated(body, order: Order) -> None:  # type: ignore[no-untyped-def]
        pass

    def no_payload(order: Order) -> None:
        pass

    with pytest.raises(ConfigurationError, match=r"two, parameter 'other': a second payload"):
        _slots(two)
    with pytest.raises(ConfigurationError, match=r"parameter 'retries' has no annotation"):
        _slots(unannotated)
    with pytest.raises(ConfigurationError, match=r"parameter 'body' has no annotation.*SQSEvent"):
        _slots(first_unannotated)
    with pytest.raises(
        ConfigurationError,
        match=r"'order': unknown annotation .*Order.*no payload to decode: annotate it with "
        r"SQSMessage, SQSEvent, LambdaContext or Logger",
    ):
        _slots(no_payload, allow_payload=False)


def test_an_event_type_that_is_no_class_is_not_offered_as_an_annotation() -> None:
    """An event read as it came (``dict[str, Any]``: custom resources) or an array of
    items (``list[...]``: AppSync batches) cannot be declared: the message named "dict"
    and "list", which a handler would take as its payload instead."""

    def unannotated(order: Order, extra) -> None:  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(ConfigurationError) as raised:
        resolve(
            unannotated,
            where="a route",
            item_type=SQSMessage,
            event_type=(dict[str, Any], list[SQSMessage]),
        )
    assert str(raised.value).endswith(
        "annotate it with the payload's type, SQSMessage, LambdaContext or Logger"
    )
