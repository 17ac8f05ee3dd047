"""HTTP routes with idempotent=True: Idempotency-Key replay, 422, 409, 400 (memory and
DynamoDB through moto on 127.0.0.1)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
import msgspec
import pytest

from lambent import App, ConfigurationError, Response
from lambent.http import Depends, StreamingResponse
from lambent.http._streaming import STREAMING
from lambent.idempotency import IdempotencyStore, MemoryStore
from lambent.testing import FakeContext, TestClient, http_request

pytestmark = pytest.mark.network


class NewOrder(msgspec.Struct):
    item: str


def _app(store: IdempotencyStore, created: list[str]) -> App:
    app = App(idempotency=store)

    @app.post("/orders", idempotent=True)
    async def create(order: NewOrder) -> Response:
        created.append(order.item)
        return Response({"id": len(created), "item": order.item}, 201, {"location": "/orders/1"})

    return app


@pytest.mark.parametrize("source", ["apigw-http", "apigw-rest", "alb"])
async def test_same_key_replays_without_running(store: IdempotencyStore, source: str) -> None:
    created: list[str] = []
    client = TestClient(_app(store, created))
    headers = {"Idempotency-Key": "k-1"}
    first = await client.send(
        "POST", "/orders", json={"item": "lamp"}, headers=headers, source=source
    )
    again = await client.send(
        "POST", "/orders", json={"item": "lamp"}, headers=headers, source=source
    )
    assert created == ["lamp"]
    assert (first.status, again.status) == (201, 201)
    assert first.json() == again.json() == {"id": 1, "item": "lamp"}
    assert again.headers["location"] == "/orders/1"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other = await client.send(
        "POST", "/orders", json={"item": "desk"}, headers={"Idempotency-Key": "k-2"}, source=source
    )
    assert other.json() == {"id": 2, "item": "desk"}


async def test_same_key_other_body_is_422(store: IdempotencyStore) -> None:
    created: list[str] = []
    client = TestClient(_app(store, created))
    headers = {"Idempotency-Key": "k"}
    assert (
        await client.send("POST", "/orders", json={"item": "lamp"}, headers=headers)
    ).status == 201
    reused = await client.send("POST", "/orders", json={"item": "sofa"}, headers=headers)
    assert reused.status == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert created == ["lamp"]


async def test_same_key_while_running_is_409(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    started, release = anyio.Event(), anyio.Event()
    runs: list[int] = []

    @app.post("/pay", idempotent=True)
    async def pay(body: dict[str, Any]) -> dict[str, str]:
        runs.append(1)
        started.set()
        await release.wait()
        return {"paid": "yes"}

    client = TestClient(app)
    headers = {"Idempotency-Key": "slow"}
    answers: list[Any] = []

    async def first() -> None:
        answers.append(await client.send("POST", "/pay", json={"n": 1}, headers=headers))

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        await started.wait()
        busy = await client.send("POST", "/pay", json={"n": 1}, headers=headers)
        release.set()
    assert busy.status == 409 and runs == [1]
    assert answers[0].json() == {"paid": "yes"}


async def test_failures_store_nothing_and_the_key_is_required(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    attempts: list[int] = []

    @app.post("/flaky", idempotent=True)
    def flaky(body: dict[str, Any]) -> dict[str, int]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")
        return {"attempt": len(attempts)}

    client = TestClient(app)
    headers = {"Idempotency-Key": "f"}
    assert (await client.send("POST", "/flaky", json={}, headers=headers)).status == 500
    retried = await client.send("POST", "/flaky", json={}, headers=headers)
    assert retried.status == 200 and retried.json() == {"attempt": 2}
    missing = await client.send("POST", "/flaky", json={})
    assert missing.status == 400 and "Idempotency-Key" in missing.text
    assert len(attempts) == 2


def test_idempotent_http_route_needs_a_store() -> None:
    with pytest.raises(ConfigurationError, match="idempotency="):
        App().post("/x", idempotent=True)(lambda: None)


def test_plain_handler_through_the_sync_entry_point() -> None:
    created: list[str] = []
    app = App(idempotency=MemoryStore())

    @app.put("/items/{name}", idempotent=True)
    def put_item(name: str) -> dict[str, str]:
        created.append(name)
        return {"put": name}

    client = TestClient(app)  # app.handler: the app needs its loop for the store
    for _ in range(2):
        answer = client.put("/items/lamp", headers={"Idempotency-Key": "a"})
        assert answer.json() == {"put": "lamp"}
    assert created == ["lamp"]


async def test_an_idempotent_route_behind_middleware_runs_once_and_replays(
    store: IdempotencyStore,
) -> None:
    created: list[str] = []
    app = _app(store, created)
    passes: list[str] = []

    @app.middleware
    async def stamp(request: Any, call_next: Any) -> Response:
        response: Response = await call_next(request)
        passes.append(request.path)
        response.headers["x-stamped"] = "yes"
        return response

    client = TestClient(app)
    headers = {"Idempotency-Key": "k-mw"}
    first = await client.send("POST", "/orders", json={"item": "desk"}, headers=headers)
    again = await client.send("POST", "/orders", json={"item": "desk"}, headers=headers)
    assert created == ["desk"] and passes == ["/orders", "/orders"]
    assert first.json() == again.json() == {"id": 1, "item": "desk"}
    assert first.headers["x-stamped"] == again.headers["x-stamped"] == "yes"
    assert again.headers["idempotent-replayed"] == "true"


#: what the ``session`` provider's cleanup saw: the request's error, or "committed"
SEEN: list[str] = []


def session() -> Iterator[str]:
    try:
        yield "session"
    except Exception as exc:
        SEEN.append(f"rolled back: {exc}")
        raise
    SEEN.append("committed")


@pytest.mark.parametrize("is_async", [False, True])
def test_a_failure_is_the_request_s_error_as_on_any_route(is_async: bool) -> None:
    """What an idempotent route's handler raises is the request's error, as on any other
    route: the dependencies' cleanup sees it (a provider rolls back, not commits)."""
    app = App(idempotency=MemoryStore())
    SEEN.clear()

    def book(db: Annotated[str, Depends(session)]) -> None:
        raise RuntimeError("no seats")

    async def book_async(db: Annotated[str, Depends(session)]) -> None:
        book(db)

    @app.post("/plain")
    def plain(db: Annotated[str, Depends(session)]) -> None:
        raise RuntimeError("no seats")

    app.post("/book", idempotent=True)(book_async if is_async else book)
    client = TestClient(app)
    assert client.post("/plain").status == 500
    answer = client.post("/book", headers={"Idempotency-Key": "b-1"})
    assert answer.status == 500 and answer.json()["request_id"]
    assert SEEN == ["rolled back: no seats"] * 2


@pytest.mark.parametrize("streaming_runtime", [False, True])
@pytest.mark.parametrize("shape", ["response", "iterator", "failing"])
def test_a_streamed_response_is_stored_and_answered_whole(
    shape: str, streaming_runtime: bool
) -> None:
    """An idempotent route's response is stored to be replayed whole, so a streamed one is
    joined and answered whole, even where the runtime streams; a stream that fails while
    it is read is the handler's failure: a 500, nothing stored, the retry runs."""
    runs: list[int] = []
    app = App(idempotency=MemoryStore())

    async def parts() -> AsyncIterator[str]:
        yield "a"
        if shape == "failing" and len(runs) == 1:
            raise RuntimeError("stream broke")
        yield "b"

    @app.post("/report", idempotent=True)
    async def report() -> Any:
        runs.append(1)
        if shape == "iterator":
            return parts()
        return StreamingResponse(parts(), status=201, headers={"content-type": "text/plain"})

    event = http_request("POST", "/report", source="function-url", headers={"Idempotency-Key": "r"})
    token = STREAMING.set(streaming_runtime)  # as lambent.runtime sets it for a stream URL
    try:
        answers = [app.handler(copy.deepcopy(event), FakeContext()) for _ in range(2)]
    finally:
        STREAMING.reset(token)
    first, again = answers
    if shape == "failing":
        assert first["statusCode"] == 500 and "request_id" in first["body"]
        assert again["statusCode"] == 201 and again["body"] == "ab"
        assert len(runs) == 2
        return
    assert first["statusCode"] == (201 if shape == "response" else 200)
    assert first["body"] == again["body"] == "ab"
    assert again["headers"]["idempotent-replayed"] == "true"
    assert len(runs) == 1
