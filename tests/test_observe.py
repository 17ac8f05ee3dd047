"""Metrics and spans written by the dispatcher: its EMF counts equal the batch's outcome,
one span per record under the invocation's span, nothing when nothing is configured."""

from __future__ import annotations

import io
import time
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambent import App, ConfigurationError
from lambent.metrics import Metrics
from lambent.testing import FakeContext, sqs_event
from tests import emf
from tests.spans import attribute


class Job(msgspec.Struct):
    kind: str


def _app(out: io.StringIO, **options: Any) -> App:
    app = App(
        metrics=Metrics(namespace="shop", dimensions={"Service": "jobs"}, stream=out), **options
    )

    @app.sqs("jobs", on_decode_error="drop")
    async def job(body: Job, metrics: Metrics) -> None:
        metrics.add("JobsSeen", 1)
        if body.kind == "fail":
            raise RuntimeError("failed on purpose")
        if body.kind == "slow":
            await anyio.sleep(30)

    return app


def _docs(out: io.StringIO) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    docs = emf.read(out.getvalue())
    mine = [d for d in docs if "Source" in d]
    assert len(mine) == 1
    return mine[0], [d for d in docs if "Source" not in d]


KINDS = st.sampled_from(["ok", "fail", "bad", "slow"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(KINDS, min_size=1, max_size=30))
async def test_counts_equal_the_batch_outcome(kinds: list[str]) -> None:
    out = io.StringIO()
    app = _app(out, deadline_margin=0.0)
    bodies = ["{not json" if k == "bad" else {"kind": k} for k in kinds]
    event = sqs_event(*bodies, queue="jobs")
    budget = 0.5 if "slow" in kinds else 30.0  # time for the others on a loaded machine
    result = await app.dispatch(event, FakeContext(timeout=budget))
    doc, handler_docs = _docs(out)
    assert doc["BatchSize"] == len(kinds)
    assert doc["RecordsSucceeded"] == kinds.count("ok")
    assert doc["RecordsFailed"] == kinds.count("fail")
    assert doc["RecordsDropped"] == kinds.count("bad")
    assert doc["RecordsCutByDeadline"] == kinds.count("slow")
    reported = len(result["batchItemFailures"])
    assert reported == doc["RecordsFailed"] + doc["RecordsCutByDeadline"]
    assert doc["ColdStart"] == 1 and doc["Duration"] >= 0
    ran = len(kinds) - kinds.count("bad")
    seen = sum(len(d["JobsSeen"]) if isinstance(d["JobsSeen"], list) else 1 for d in handler_docs)
    assert seen == ran  # the handlers' own metrics, written with the invocation


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(["ok", "fail", "bad"]), min_size=1, max_size=20),
    groups=st.lists(st.sampled_from("abc"), min_size=20, max_size=20),
)
async def test_fifo_counts_equal_the_response(kinds: list[str], groups: list[str]) -> None:
    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out))

    @app.sqs("jobs.fifo")
    def job(body: Job) -> None:
        if body.kind == "fail":
            raise RuntimeError("failed on purpose")

    bodies = ["{not json" if k == "bad" else {"kind": k} for k in kinds]
    event = sqs_event(*bodies, queue="jobs.fifo", group_id=groups[: len(kinds)])
    result = await app.dispatch(event, FakeContext())
    doc, _ = _docs(out)
    reported = len(result["batchItemFailures"])
    assert doc["RecordsFailed"] + doc["RecordsCutByDeadline"] == reported
    assert doc["RecordsSucceeded"] == len(kinds) - reported
    assert doc["BatchSize"] == len(kinds) and doc["RecordsDropped"] == 0
    # records after a failure in their group are skipped, and counted failed
    failed_groups: set[str] = set()
    expected_ok = 0
    for kind, group in zip(kinds, groups, strict=False):
        if group in failed_groups or kind != "ok":
            failed_groups.add(group)
        else:
            expected_ok += 1
    assert doc["RecordsSucceeded"] == expected_ok


async def test_cold_start_record_age_and_dimensions() -> None:
    out = io.StringIO()
    app = _app(out)
    sent = time.time() - 42
    event = sqs_event({"kind": "ok"}, {"kind": "ok"}, queue="jobs", at=sent)
    await app.dispatch(event, FakeContext())
    await app.dispatch(event, FakeContext())
    docs = [d for d in emf.read(out.getvalue()) if "Source" in d]
    assert [d["ColdStart"] for d in docs] == [1, 0]
    assert all(41_000 <= d["RecordAge"] <= 60_000 for d in docs)
    directive = docs[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["Service", "Source"]]
    assert (docs[0]["Service"], docs[0]["Source"]) == ("jobs", "sqs")


def test_loop_free_app_writes_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    app = App(metrics=Metrics(namespace="shop"))

    @app.sqs("q")
    def plain(body: dict[str, int], metrics: Metrics) -> None:
        metrics.add("Units", body["n"], unit="Count")

    app.handler(sqs_event({"n": 3}, {"n": 4}, queue="q"), FakeContext())
    docs = emf.read(capsys.readouterr().out)
    assert sorted(d["Units"] for d in docs if "Units" in d) == [[3.0, 4.0]]
    assert [d["RecordsSucceeded"] for d in docs if "Source" in d] == [2]


def test_nothing_written_without_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    app = App()

    @app.sqs("q")
    def plain(body: dict[str, int]) -> None:
        pass

    app.handler(sqs_event({"n": 1}, queue="q"), FakeContext())
    assert '"_aws"' not in capsys.readouterr().out
    with pytest.raises(ConfigurationError, match="Metrics"):

        @app.sqs("other")
        def wants(body: dict[str, int], metrics: Metrics) -> None:
            pass


HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


async def test_spans_one_per_record_under_the_invocation() -> None:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from lambent.tracing import Tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing = Tracing(tracer_provider=provider)
    app = App(tracing=tracing)
    current: dict[str, int] = {}

    @app.sqs("jobs")
    async def job(body: dict[str, Any]) -> None:
        span = trace.get_current_span()
        await anyio.sleep(0.001 * (5 - body["n"]))
        assert trace.get_current_span() is span  # concurrent records never share a span
        current[str(body["n"])] = span.get_span_context().span_id
        if body["n"] == 2:
            raise ValueError("two fails")

    @app.sqs("ordered.fifo")
    def ordered(body: dict[str, Any]) -> None:
        if body["n"] == 0:
            raise ValueError("first of the group fails")

    event = sqs_event(*({"n": n} for n in range(5)), queue="jobs")
    event["Records"][0]["attributes"]["AWSTraceHeader"] = HEADER
    await app.dispatch(event, FakeContext())
    spans = exporter.get_finished_spans()
    (root,) = [s for s in spans if s.name == "lambent sqs"]
    records = [s for s in spans if s.name == "sqs process"]
    assert len(records) == 5
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in records)
    by_id = {attribute(s, "messaging.message.id"): s for s in records}
    ids = [r["messageId"] for r in event["Records"]]
    assert {i: by_id[i].context.span_id for i in ids} == {ids[n]: current[str(n)] for n in range(5)}
    assert [link.context.trace_id for link in by_id[ids[0]].links] == [
        0x5759E988BD862E3FE1BE46A994272793
    ]
    assert by_id[ids[2]].status.status_code == trace.StatusCode.ERROR
    assert attribute(by_id[ids[1]], "lambent.record.outcome") == "succeeded"

    exporter.clear()
    fifo = sqs_event({"n": 0}, {"n": 1}, {"n": 2}, queue="ordered.fifo", group_id="g")
    await app.dispatch(fifo, FakeContext())
    outcomes = sorted(
        attribute(s, "lambent.record.outcome")
        for s in exporter.get_finished_spans()
        if s.name == "sqs process"
    )
    assert outcomes == ["failed", "skipped", "skipped"]  # one span each, run or not


def test_http_handler_metrics_are_written_with_the_request() -> None:
    from lambent.testing import TestClient

    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out))

    @app.post("/orders")
    def create(order: Job, metrics: Metrics) -> dict[str, str]:
        metrics.add("OrdersCreated", 1)
        return {"kind": order.kind}

    assert TestClient(app).post("/orders", json={"kind": "ok"}).json() == {"kind": "ok"}
    doc, (handler_doc,) = _docs(out)
    assert handler_doc["OrdersCreated"] == 1.0
    assert (doc["RecordsSucceeded"], doc["BatchSize"]) == (1, 1)
    with pytest.raises(ConfigurationError, match="Metrics"):

        @App().get("/x")
        def wants(metrics: Metrics) -> None: ...


async def test_bytes_path_writes_metrics_and_keeps_idempotency() -> None:
    import json as json_module

    from lambent.idempotency import MemoryStore

    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out), idempotency=MemoryStore())
    ran: list[str] = []

    @app.sqs("jobs", idempotent=True)
    def job(body: Job) -> None:
        ran.append(body.kind)

    event = sqs_event({"kind": "a"}, {"kind": "b"}, queue="jobs", at=time.time() - 5)
    body = json_module.dumps(event).encode()
    assert await app.dispatch_bytes(body, FakeContext()) == {"batchItemFailures": []}
    assert await app.dispatch_bytes(body, FakeContext()) == {"batchItemFailures": []}
    assert sorted(ran) == ["a", "b"]  # the second delivery ran nothing
    docs = [d for d in emf.read(out.getvalue()) if "Source" in d]
    assert [d["RecordsSucceeded"] for d in docs] == [2, 2]
    assert all(d["RecordAge"] >= 4_000 for d in docs)


@pytest.mark.parametrize("key", ["id", "$.arguments.id", 7])
def test_an_idempotency_key_that_is_not_a_function_is_refused_at_registration(key: Any) -> None:
    """A JMESPath-like string (as Powertools takes) registered and then failed every
    record with "'str' object is not callable"."""
    from lambent.idempotency import MemoryStore

    for app in (App(), App(idempotency=MemoryStore())):
        with pytest.raises(ConfigurationError, match="idempotency_key must be a function") as e:
            app.appsync("Query", "getPost", idempotency_key=key)(lambda args: args)
        assert repr(key) in str(e.value)
        with pytest.raises(ConfigurationError, match="idempotency_key must be a function"):
            app.invoke(idempotency_key=key)(lambda payload: payload)
