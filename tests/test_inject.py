"""The provider seam of ``lambent._inject``: a parameter annotated with a ``Provider``
gets ``await provider.provide()`` on every call, in every kind of route."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from lambent import App, ConfigurationError
from lambent._inject import Provider
from lambent.sources.kinesis import KinesisRecord
from lambent.testing import FakeContext, kinesis_event, sqs_event


class Counter:
    """A provider that counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def provide(self) -> int:
        self.calls += 1
        return self.calls


COUNTER = Counter()
Ticket = Annotated[int, COUNTER]


def test_the_protocol_is_the_seam() -> None:
    assert isinstance(COUNTER, Provider)


async def test_record_routes_get_a_value_per_call_by_keyword() -> None:
    app = App()
    got: list[tuple[int, dict[str, int]]] = []

    @app.sqs("orders")
    async def handle(ticket: Ticket, body: dict[str, int]) -> None:  # provided first
        got.append((ticket, body))

    start = COUNTER.calls
    event = sqs_event({"n": 1}, {"n": 2}, queue="orders")
    assert await app.dispatch(event, FakeContext()) == {"batchItemFailures": []}
    assert sorted(t for t, _ in got) == [start + 1, start + 2]  # one value per call
    assert sorted(b["n"] for _, b in got) == [1, 2]


async def test_whole_batch_and_invoke_routes_get_it_too() -> None:
    app = App()
    seen: dict[str, Any] = {}

    @app.kinesis("clicks", sequential=True)
    async def batch(records: list[KinesisRecord], ticket: Ticket) -> None:
        seen["batch"] = (len(records), ticket)

    @app.invoke("ping")
    async def ping(payload: dict[str, Any], ticket: Ticket) -> dict[str, int]:
        return {"ticket": ticket}

    await app.dispatch(kinesis_event("{}", "{}", stream="clicks"), FakeContext())
    assert seen["batch"][0] == 2 and isinstance(seen["batch"][1], int)
    answer = await app.dispatch({"action": "ping"}, FakeContext())
    assert isinstance(answer["ticket"], int)


def test_a_plain_def_handler_is_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="async def"):

        @app.sqs("orders")
        def handle(body: str, ticket: Ticket) -> None: ...
