"""Single-event idempotency: direct invocations, EventBridge and scheduled events, and the
sources that answer themselves. The result is stored and replayed for the same key; a
failed run leaves nothing; a key in progress elsewhere is a clear error (Lambda retries)."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec
import pydantic
import pytest

from lambent import App, ConfigurationError
from lambent.idempotency import (
    IdempotencyStore,
    InProgressError,
    KeyReusedError,
    MemoryStore,
    fingerprint,
)
from lambent.sources.cloudformation import CustomResourceResponse
from lambent.sources.s3_batch import S3BatchTask
from lambent.testing import (
    FakeContext,
    appsync_event,
    cloudformation_event,
    cognito_event,
    direct_event,
    eventbridge_event,
    s3_batch_event,
    schedule_event,
)

pytestmark = pytest.mark.network


class Resized(msgspec.Struct):
    width: int
    at: float


async def _hold(store: IdempotencyStore, key: str, content: Any = None) -> None:
    """Another container's claim on ``key`` (for ``content``), live for a minute."""
    now = time.time()
    fp = "" if content is None else fingerprint(content)
    held = await store.claim(key, fingerprint=fp, token="elsewhere", expires_at=now + 60, now=now)
    assert held is None


async def test_direct_invocation_replays_its_result(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    runs: list[int] = []

    @app.invoke("resize", idempotent=True)
    def resize(payload: dict[str, Any]) -> Resized:
        runs.append(payload["width"])
        if len(runs) == 1:
            raise RuntimeError("the first attempt fails")
        return Resized(payload["width"], time.time())

    event = direct_event({"action": "resize", "width": 300})
    retried = FakeContext(aws_request_id="req-1")  # Lambda retries with the same request id
    with pytest.raises(RuntimeError):
        await app.dispatch(event, retried)
    first = await app.dispatch(event, retried)  # the failure left nothing: it runs
    again = await app.dispatch(event, retried)
    assert again == first and first["width"] == 300  # the stored result, not a new run
    assert runs == [300, 300]
    await app.dispatch(event, FakeContext(aws_request_id="req-2"))  # another invocation
    assert runs == [300, 300, 300]
    await _hold(store, f"{resize.__module__}.{resize.__qualname__}#req-3")
    with pytest.raises(InProgressError, match="in progress elsewhere"):
        await app.dispatch(event, FakeContext(aws_request_id="req-3"))
    assert len(runs) == 3


class Receipt(pydantic.BaseModel):
    payment: str
    on: date


async def test_a_pydantic_result_is_kept_and_replayed_as_its_model(
    store: IdempotencyStore,
) -> None:
    app = App(idempotency=store)
    runs: list[str] = []

    @app.invoke("pay", idempotency_key=lambda payload: payload["payment"])
    def pay(payload: dict[str, Any]) -> Receipt:
        runs.append(payload["payment"])
        return Receipt(payment=payload["payment"], on=date(2024, 5, 1))

    event = direct_event({"action": "pay", "payment": "p-9"})
    first = await app.dispatch(event, FakeContext())
    assert first == {"payment": "p-9", "on": "2024-05-01"}
    assert await app.dispatch(event, FakeContext()) == first  # the stored result
    assert runs == ["p-9"]


async def test_direct_invocation_by_business_key(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    charged: list[str] = []

    @app.invoke("charge", idempotency_key=lambda payload: payload["payment"])
    async def charge(payload: dict[str, Any]) -> dict[str, str]:
        charged.append(payload["payment"])
        return {"charged": payload["payment"]}

    event = direct_event({"action": "charge", "payment": "p-1", "amount": 5})
    assert await app.dispatch(event, FakeContext()) == {"charged": "p-1"}
    assert await app.dispatch(event, FakeContext()) == {"charged": "p-1"}  # another request
    assert charged == ["p-1"]
    other = direct_event({"action": "charge", "payment": "p-1", "amount": 6})
    with pytest.raises(KeyReusedError):
        await app.dispatch(other, FakeContext())


async def test_eventbridge_and_schedule_events_run_once(store: IdempotencyStore) -> None:
    app = App(idempotency=store)
    runs: list[str] = []

    @app.eventbridge(source="shop", idempotent=True)
    def placed(detail: dict[str, Any]) -> dict[str, Any]:
        runs.append("placed")
        return {"order": detail["order"], "n": len(runs)}

    @app.schedule("nightly", idempotent=True)
    def nightly() -> None:
        runs.append("nightly")

    event = eventbridge_event({"order": "o-1"}, source="shop")
    first = await app.dispatch(event, FakeContext())
    assert first == {"order": "o-1", "n": 1}
    assert await app.dispatch(event, FakeContext()) == first  # replayed
    tick = schedule_event("nightly")
    await app.dispatch(tick, FakeContext())
    await app.dispatch(tick, FakeContext())
    assert runs == ["placed", "nightly"]
    await _hold(store, f"{placed.__module__}.{placed.__qualname__}#ev-held")
    held = eventbridge_event({"order": "o-2"}, source="shop")
    held["id"] = "ev-held"
    with pytest.raises(InProgressError):
        await app.dispatch(held, FakeContext())


async def test_s3_batch_task_result_is_kept() -> None:
    app = App(idempotency=MemoryStore())
    runs: list[str] = []

    @app.s3_batch(idempotent=True)
    def tag(task: S3BatchTask) -> str:
        runs.append(task.key)
        return f"tagged {task.key} ({len(runs)})"

    event = s3_batch_event("a.txt")
    first = await app.dispatch(event, FakeContext())
    again = await app.dispatch(event, FakeContext())
    assert again["results"] == first["results"] and runs == ["a.txt"]
    assert first["results"][0]["resultString"] == "tagged a.txt (1)"


async def test_sources_without_delivery_ids_need_a_key() -> None:
    app = App(idempotency=MemoryStore())
    with pytest.raises(ConfigurationError, match="cognito events carry no id"):

        @app.on("cognito", idempotent=True)
        def signup(request: dict[str, Any]) -> None: ...

    runs: list[str] = []

    @app.cognito("PreSignUp", idempotency_key=lambda request: request["userAttributes"]["email"])
    def presignup(request: dict[str, Any]) -> dict[str, bool]:
        runs.append(request["userAttributes"]["email"])
        return {"autoConfirmUser": True}

    @app.appsync("Query", "getPost", idempotency_key=lambda args: str(args["id"]))
    def post(args: dict[str, Any]) -> dict[str, Any]:
        runs.append(f"post {args['id']}")
        return {"id": args["id"], "n": len(runs)}

    signup_event = cognito_event("PreSignUp_SignUp", user_attributes={"email": "a@example.com"})
    first = await app.dispatch(signup_event, FakeContext())
    assert await app.dispatch(signup_event, FakeContext()) == first
    query = appsync_event("Query", "getPost", {"id": 7})
    answer = await app.dispatch(query, FakeContext())
    assert await app.dispatch(query, FakeContext()) == answer == {"id": 7, "n": 2}
    assert runs == ["a@example.com", "post 7"]
    # in progress elsewhere: the invocation fails (retried), it is not answered as failed
    await _hold(store_key_owner(app), f"{post.__module__}.{post.__qualname__}#8", {"id": 8})
    with pytest.raises(InProgressError):
        await app.dispatch(appsync_event("Query", "getPost", {"id": 8}), FakeContext())


def store_key_owner(app: App) -> IdempotencyStore:
    assert app.idempotency is not None
    return app.idempotency


@pytest.fixture
def put_server() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/r", bodies
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_custom_resource_retry_puts_the_stored_response(
    put_server: tuple[str, list[bytes]],
) -> None:
    url, bodies = put_server
    app = App(idempotency=MemoryStore())
    created: list[str] = []

    @app.custom_resource("Custom::Bucket", idempotent=True)
    def bucket(props: dict[str, str]) -> CustomResourceResponse:
        created.append(props["Name"])
        return CustomResourceResponse(physical_resource_id=f"bucket-{len(created)}")

    event = cloudformation_event("Create", "Custom::Bucket", {"Name": "b"}, response_url=url)
    await app.dispatch(event, FakeContext())
    await app.dispatch(event, FakeContext())  # Lambda's retry of the same request
    assert created == ["b"]
    sent = [json.loads(body) for body in bodies]
    assert [s["PhysicalResourceId"] for s in sent] == ["bucket-1", "bucket-1"]
    assert all(s["Status"] == "SUCCESS" for s in sent)
