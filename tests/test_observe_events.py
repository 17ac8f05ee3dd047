"""The dispatcher's metrics for single events: HTTP requests (REST, HTTP API, Function
URLs, ALB), WebSocket messages, authorizers, Lambda@Edge, direct invocations and the
sources that answer themselves. Each invocation is one record, its document's counts
equal its outcome, and a handler's ``Metrics`` parameter works on every kind of route."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent import App, ConfigurationError, Response, Router
from lambent.metrics import Metrics
from lambent.sources.s3_batch import S3BatchTask
from lambent.testing import (
    FakeContext,
    appsync_event,
    authorizer_event,
    bedrock_agent_event,
    cloudformation_event,
    cloudfront_event,
    cognito_event,
    direct_event,
    eventbridge_event,
    http_request,
    s3_batch_event,
    schedule_event,
    websocket_event,
)
from tests import emf


def _split(out: io.StringIO) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    docs = emf.read(out.getvalue())
    mine = [d for d in docs if "Source" in d]
    assert len(mine) == 1, docs
    return mine[0], [d for d in docs if "Source" not in d]


@pytest.fixture(scope="module")
def put_url() -> Iterator[str]:
    """A CloudFormation response URL on 127.0.0.1 that accepts every PUT."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/response"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _count(metrics: Metrics) -> None:
    metrics.add("Handled", 1)


def _routes(app: App) -> None:
    """One route of every single-event kind, each adding ``Handled``."""

    @app.get("/orders")
    def orders(metrics: Metrics) -> dict[str, int]:
        _count(metrics)
        return {"n": 1}

    @app.websocket("$default")
    def message(metrics: Metrics) -> None:
        _count(metrics)

    @app.authorizer("TOKEN")
    def token(token: str, metrics: Metrics) -> bool:
        _count(metrics)
        return token == "Bearer allow"

    @app.edge("viewer-request")
    def edge(metrics: Metrics) -> None:
        _count(metrics)

    @app.invoke("resize")
    def resize(payload: dict[str, Any], metrics: Metrics) -> dict[str, bool]:
        _count(metrics)
        return {"ok": True}

    @app.cognito("PreSignUp")
    def signup(request: dict[str, Any], metrics: Metrics) -> None:
        _count(metrics)

    @app.appsync("Query", "getPost")
    def post(args: dict[str, Any], metrics: Metrics) -> dict[str, int]:
        _count(metrics)
        return {"id": 1}

    @app.s3_batch()
    def task(task: S3BatchTask, metrics: Metrics) -> str:
        _count(metrics)
        return "done"

    @app.bedrock_agent(api_path="/items/{id}")
    def item(params: dict[str, Any], metrics: Metrics) -> dict[str, int]:
        _count(metrics)
        return {"id": 1}

    @app.schedule("nightly")
    def nightly(metrics: Metrics) -> None:
        _count(metrics)

    @app.eventbridge(source="shop")
    def placed(detail: dict[str, Any], metrics: Metrics) -> None:
        _count(metrics)

    @app.custom_resource("Custom::Thing")
    def thing(props: dict[str, Any], metrics: Metrics) -> None:
        _count(metrics)


EVENTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "apigw-rest": lambda _: http_request("GET", "/orders", source="apigw-rest"),
    "apigw-http": lambda _: http_request("GET", "/orders"),
    "function-url": lambda _: http_request("GET", "/orders", source="function-url"),
    "alb": lambda _: http_request("GET", "/orders", source="alb"),
    "apigw-websocket": lambda _: websocket_event("message", '{"a": 1}'),
    "apigw-authorizer": lambda _: authorizer_event("token"),
    "cloudfront": lambda _: cloudfront_event("viewer-request"),
    "direct": lambda _: direct_event({"action": "resize"}),
    "cognito": lambda _: cognito_event("PreSignUp_SignUp"),
    "appsync": lambda _: appsync_event("Query", "getPost", {"id": 1}),
    "s3-batch": lambda _: s3_batch_event("a.txt"),
    "bedrock-agent": lambda _: bedrock_agent_event("/items/{id}", parameters={"id": 1}),
    "schedule": lambda _: schedule_event("nightly"),
    "eventbridge": lambda _: eventbridge_event({"n": 1}, source="shop"),
    "cloudformation": lambda url: cloudformation_event(
        "Create", "Custom::Thing", {"a": "b"}, response_url=url
    ),
}


@pytest.mark.parametrize("kind", sorted(EVENTS))
async def test_every_kind_writes_one_record(kind: str, put_url: str) -> None:
    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", dimensions={"Service": "s"}, stream=out))
    _routes(app)
    await app.dispatch(EVENTS[kind](put_url), FakeContext())
    doc, handler_docs = _split(out)
    assert doc["Source"] == kind and doc["Service"] == "s"
    counts = [doc[n] for n in ("BatchSize", "RecordsSucceeded", "RecordsFailed")]
    assert counts == [1, 1, 0]
    assert (doc["RecordsDropped"], doc["RecordsCutByDeadline"], doc["ColdStart"]) == (0, 0, 1)
    assert doc["Duration"] >= 0 and "RecordAge" not in doc
    assert [d["Handled"] for d in handler_docs] == [1.0]  # the handler's Metrics parameter


OUTCOMES = st.sampled_from(["ok", "5xx", "504", "raise", "slow"])
#: (succeeded, failed, cut by the deadline) of a web event: a 5xx answer is failed, the
#: handler's own 504 too; lambent's 504 at its deadline is cut
WEB_COUNTS = {
    "ok": (1, 0, 0),
    "5xx": (0, 1, 0),
    "504": (0, 1, 0),
    "raise": (0, 1, 0),
    "slow": (0, 0, 1),
}
WEB_STATUS = {"ok": 200, "5xx": 503, "504": 504, "raise": 500, "slow": 504}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outcomes=st.lists(OUTCOMES, min_size=1, max_size=6))
async def test_single_event_counts_equal_the_outcome(outcomes: list[str]) -> None:
    """Each HTTP request, WebSocket message and direct invocation: succeeded, failed (a
    5xx answer, the handler's own 504 included, or an exception) or cut by lambent's
    deadline (its own 504 answer, or DeadlineExceeded), and nothing else."""
    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out), deadline_margin=0.0)

    async def act(outcome: str) -> Any:
        if outcome == "raise":
            raise RuntimeError("failed on purpose")
        if outcome == "slow":
            await anyio.sleep(30)
        if outcome in ("5xx", "504"):
            return Response({"error": "upstream"}, status=503 if outcome == "5xx" else 504)
        return {"outcome": outcome}

    @app.post("/act")
    async def web(body: dict[str, str]) -> Any:
        return await act(body["outcome"])

    @app.websocket("$default")
    async def message(body: dict[str, str]) -> Any:
        return await act(body["outcome"])

    @app.invoke("act")
    async def direct(payload: dict[str, str]) -> Any:
        return await act("raise" if payload["outcome"] in ("5xx", "504") else payload["outcome"])

    expected: list[tuple[int, int, int]] = []
    for outcome in outcomes:
        context = FakeContext(timeout=0.1 if outcome == "slow" else 30.0)
        for event in (
            http_request("POST", "/act", json={"outcome": outcome}),
            websocket_event("message", json={"outcome": outcome}),
        ):
            answer = await app.dispatch(event, context)
            assert answer["statusCode"] == WEB_STATUS[outcome]
            expected.append(WEB_COUNTS[outcome])
        try:
            await app.dispatch(direct_event({"action": "act", "outcome": outcome}), context)
        except Exception as exc:
            cut = type(exc).__name__ == "DeadlineExceeded"
            assert cut == (outcome == "slow")
            expected.append((0, int(not cut), int(cut)))
        else:
            assert outcome == "ok"
            expected.append((1, 0, 0))
    docs = [d for d in emf.read(out.getvalue()) if "Source" in d]
    kinds = ["apigw-http", "apigw-websocket", "direct"]
    assert [d["Source"] for d in docs] == kinds * len(outcomes)
    got = [(d["RecordsSucceeded"], d["RecordsFailed"], d["RecordsCutByDeadline"]) for d in docs]
    assert got == expected
    assert all(d["BatchSize"] == 1 and d["RecordsDropped"] == 0 for d in docs)


def test_web_events_cut_at_the_deadline_count_as_cut() -> None:
    """No time left: a plain app's request (loop-free, the compiled HTTP path's kind of
    app: metrics keep it on the router) is answered 504 by lambent, an exception
    handler for DeadlineExceeded answers it otherwise, an authorizer or Lambda@Edge
    handler raises DeadlineExceeded: each is one record cut by the deadline."""
    from lambent import DeadlineExceeded

    def app_with(out: io.StringIO) -> App:
        return App(metrics=Metrics(namespace="shop", stream=out), deadline_margin=0.0)

    def counts(out: io.StringIO) -> list[tuple[int, int, int]]:
        docs = [d for d in emf.read(out.getvalue()) if "Source" in d]
        return [
            (d["RecordsSucceeded"], d["RecordsFailed"], d["RecordsCutByDeadline"]) for d in docs
        ]

    out = io.StringIO()
    plain = app_with(out)

    @plain.get("/late")
    def late() -> dict[str, int]:
        return {"n": 1}

    answer = plain.handler(http_request("GET", "/late"), FakeContext(timeout=0.0))
    assert answer["statusCode"] == 504
    assert plain.handler(http_request("GET", "/late"), FakeContext())["statusCode"] == 200
    assert counts(out) == [(0, 0, 1), (1, 0, 0)]

    out = io.StringIO()
    handled = app_with(out)

    @handled.exception_handler(DeadlineExceeded)
    def busy(request: Any, exc: DeadlineExceeded) -> Response:
        return Response({"retry": True}, status=503)

    @handled.get("/late")
    def late_too() -> dict[str, int]:
        return {"n": 1}

    answer = handled.handler(http_request("GET", "/late"), FakeContext(timeout=0.0))
    assert answer["statusCode"] == 503
    assert counts(out) == [(0, 0, 1)]

    out = io.StringIO()
    other = app_with(out)

    @other.authorizer("TOKEN")
    async def token(token: str) -> bool:
        return True

    @other.edge("viewer-request")
    async def edge() -> None:
        return None

    for event in (authorizer_event("token"), cloudfront_event("viewer-request")):
        with pytest.raises(DeadlineExceeded):
            other.handler(event, FakeContext(timeout=0.0))
    assert counts(out) == [(0, 0, 1), (0, 0, 1)]


async def test_an_authorizers_refusal_is_an_answer() -> None:
    from lambent.http import Unauthorized

    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out))

    @app.authorizer("TOKEN")
    def check(token: str) -> bool:
        if token == "Bearer expired":
            raise Unauthorized()
        raise RuntimeError("the key store is down")

    for token in ("Bearer expired", "Bearer other"):
        with pytest.raises((Unauthorized, RuntimeError)):
            await app.dispatch(authorizer_event("token", token=token), FakeContext())
    docs = [d for d in emf.read(out.getvalue()) if "Source" in d]
    assert [(d["RecordsSucceeded"], d["RecordsFailed"]) for d in docs] == [(1, 0), (0, 1)]


def test_metrics_parameters_need_the_apps_metrics() -> None:
    app = App()
    registers: list[Callable[[Callable[[Metrics], None]], object]] = [
        lambda fn: app.websocket("$default")(fn),
        lambda fn: app.authorizer("TOKEN")(fn),
        lambda fn: app.edge("viewer-request")(fn),
        lambda fn: app.invoke("x")(fn),
        lambda fn: app.cognito()(fn),
    ]
    for register in registers:

        def handler(metrics: Metrics) -> None: ...

        with pytest.raises(ConfigurationError, match="declares Metrics"):
            register(handler)


def test_router_routes_are_checked_when_included() -> None:
    """A router's routes that need the app's store or metrics: refused when included
    into an app without them, naming the route; given the app's metrics otherwise."""
    from lambent.idempotency import MemoryStore

    def routers() -> tuple[Router, Router, Router]:
        web, records, measured = Router(), Router(), Router()

        @web.post("/orders", idempotent=True)
        def create(body: dict[str, int]) -> dict[str, int]:
            return body

        @records.sqs("jobs", idempotent=True)
        def job(body: dict[str, int]) -> None: ...

        @measured.get("/count")
        def count(metrics: Metrics) -> dict[str, int]:
            metrics.add("Counted", 1)
            return {"n": 1}

        return web, records, measured

    web, records, measured = routers()
    with pytest.raises(ConfigurationError, match=r"POST /v1/orders.*need a store"):
        App().include(web, prefix="/v1")
    with pytest.raises(ConfigurationError, match=r"sqs\(queue='jobs'\).*need a store"):
        App().include(records)
    with pytest.raises(ConfigurationError, match=r"GET /count.*declares Metrics"):
        App().include(measured)
    sockets = Router()

    @sockets.websocket("$default")
    def message(metrics: Metrics) -> None: ...

    with pytest.raises(ConfigurationError, match=r"websocket route '\$default'.*declares Metrics"):
        App().include(sockets)
    out = io.StringIO()
    app = App(idempotency=MemoryStore(), metrics=Metrics(namespace="shop", stream=out))
    web, records, measured = routers()
    for router in (web, records, measured):
        app.include(router)
    assert app.handler(http_request("GET", "/count"), FakeContext())["statusCode"] == 200
    doc, (handler_doc,) = _split(out)
    assert handler_doc["Counted"] == 1.0 and doc["RecordsSucceeded"] == 1
