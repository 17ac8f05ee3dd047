"""lambent.tracing: invocation and record spans, under concurrency, with upstream links."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from typing import Any

import anyio
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lambent.testing import FakeContext
from lambent.testing.events.http import HttpSource
from lambent.tracing import Tracing, parse_xray
from tests.spans import attribute, parent

HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def spans() -> tuple[Tracing, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(tracer_provider=provider), exporter


def test_parse_xray_header() -> None:
    assert parse_xray(HEADER) == (
        0x5759E988BD862E3FE1BE46A994272793,
        0x53995C3F42CD8AD8,
        True,
    )
    assert parse_xray("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0") is None  # no parent
    assert parse_xray("garbage") is None and parse_xray(None) is None
    assert parse_xray("Root=1-zzzzzzzz-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8") is None


async def test_one_span_per_record_parented_linked_and_isolated(
    spans: tuple[Tracing, InMemorySpanExporter], monkeypatch: pytest.MonkeyPatch
) -> None:
    tracing, exporter = spans
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    seen: dict[int, Any] = {}

    async def handler(inv: Any, i: int) -> None:
        with inv.record(i, f"m{i}", HEADER if i == 0 else None):
            current = trace.get_current_span()
            await anyio.sleep(0.001 * (5 - i))  # interleave
            assert trace.get_current_span() is current  # no other record's span leaks in
            with tracing.tracer().start_as_current_span(f"user {i}"):
                await anyio.lowlevel.checkpoint()
            seen[i] = current.get_span_context().span_id
            if i == 3:
                raise ValueError("bad record")

    with tracing.invocation(source="sqs", context=FakeContext(), cold_start=True) as inv:

        async def guarded(i: int) -> None:
            with contextlib.suppress(ValueError):
                await handler(inv, i)

        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(guarded, i)
        inv.not_run(5, "m5", "not_started")
        inv.not_run(0, "m0", "skipped")  # already traced: no second span
    finished = exporter.get_finished_spans()
    (root,) = [s for s in finished if s.name == "lambent sqs"]
    records = [s for s in finished if s.name == "sqs process"]
    assert len(records) == 6
    assert {attribute(s, "messaging.message.id") for s in records} == {f"m{i}" for i in range(6)}
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in records)
    assert all(s.context.trace_id == root.context.trace_id for s in records)
    users = {s.name: s for s in finished if s.name.startswith("user")}
    for i in range(5):
        assert parent(users[f"user {i}"]).span_id == seen[i]
    by_id = {attribute(s, "messaging.message.id"): s for s in records}
    assert [link.context.span_id for link in by_id["m0"].links] == [0x53995C3F42CD8AD8]
    assert by_id["m1"].links == ()
    assert by_id["m3"].status.status_code == trace.StatusCode.ERROR
    assert by_id["m3"].events[0].name == "exception"
    assert attribute(by_id["m5"], "lambent.record.outcome") == "not_started"
    assert [link.context.trace_id for link in root.links] == [0x5759E988BD862E3FE1BE46A994272793]
    assert attribute(root, "faas.coldstart") is True


def test_lambent_tracing_imports_no_opentelemetry_until_used() -> None:
    probe = "import sys, lambent.tracing; print(any(m.startswith('opentelemetry') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("source", ["apigw-http", "apigw-rest", "alb", "function-url"])
def test_an_http_invocation_span_carries_the_status_and_a_5xx_is_an_error(
    spans: tuple[Tracing, InMemorySpanExporter], source: HttpSource
) -> None:
    from lambent import App, Response
    from lambent.testing import http_request

    tracing, exporter = spans
    app = App(tracing=tracing)

    @app.get("/ok")
    def ok() -> dict[str, int]:
        return {"n": 1}

    @app.get("/busy")
    def busy() -> Response:
        return Response(status=503, body="try later")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    expected = {"/ok": 200, "/busy": 503, "/boom": 500, "/nowhere": 404}
    for path, status in expected.items():
        exporter.clear()
        answer = app.handler(http_request("GET", path, source=source), FakeContext())
        assert answer["statusCode"] == status
        (root,) = [s for s in exporter.get_finished_spans() if s.name.startswith("lambent ")]
        assert attribute(root, "http.response.status_code") == status
        error = root.status.status_code == trace.StatusCode.ERROR
        assert error is (status >= 500), (path, root.status)


@pytest.mark.parametrize("provider", ["x-ray", TracerProvider])
def test_a_tracer_provider_that_is_not_one_is_refused_when_tracing_is_made(
    provider: object,
) -> None:
    from lambent import ConfigurationError

    with pytest.raises(ConfigurationError, match="needs an OpenTelemetry tracer provider"):
        Tracing(tracer_provider=provider)
