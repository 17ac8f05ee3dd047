"""lambent.metrics: EMF documents that follow the specification's rules."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import anyio
import anyio.lowlevel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent.metrics import UNITS, Metrics, MetricsError
from tests import emf


def _metrics(dimensions: Mapping[str, str] | None = None) -> tuple[Metrics, io.StringIO]:
    out = io.StringIO()
    metrics = Metrics(
        namespace="shop", stream=out, clock=lambda: 1700000000.5, dimensions=dimensions
    )
    return metrics, out


def test_one_document_with_namespace_dimensions_units() -> None:
    metrics, out = _metrics(dimensions={"Service": "orders"})
    metrics.add("OrdersPlaced", 2)
    metrics.add("Amount", 12.5, unit="None")
    metrics.add("Amount", 3, unit="None")
    metrics.property("order_id", "o-1")
    metrics.flush()
    (doc,) = emf.read(out.getvalue())
    assert doc["Service"] == "orders"
    assert doc["OrdersPlaced"] == 2.0 and doc["Amount"] == [12.5, 3.0]
    assert doc["order_id"] == "o-1"
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "shop"
    assert directive["Dimensions"] == [["Service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "OrdersPlaced": "Count",
        "Amount": "None",
    }
    assert doc["_aws"]["Timestamp"] == 1700000000500
    metrics.flush()  # nothing left: nothing written
    assert len(out.getvalue().splitlines()) == 1


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=1, max_value=230), min_size=1, max_size=240),
)
def test_limits_split_documents_without_losing_values(counts: list[int]) -> None:
    metrics, out = _metrics()
    for i, n in enumerate(counts):
        for v in range(n):
            metrics.add(f"m{i}", v, unit="Milliseconds")
    metrics.flush()
    docs = emf.read(out.getvalue())  # every document follows the rules (<=100 each)
    seen: dict[str, list[float]] = {}
    for doc in docs:
        for d in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            value = doc[d["Name"]]
            seen.setdefault(d["Name"], []).extend(value if isinstance(value, list) else [value])
    assert seen == {f"m{i}": [float(v) for v in range(n)] for i, n in enumerate(counts)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.add("", 1), "metric name"),
        (lambda m: m.add("x" * 256, 1), "metric name"),
        (lambda m: m.add("x", 1, unit="Parsecs"), "not a CloudWatch unit"),
        (lambda m: m.add("x", float("nan")), "finite"),
        (lambda m: m.add("x", True), "number"),
        (lambda m: m.add("Service", 1), "dimension"),
        (lambda m: m.add("x", 10**400), "finite"),
        (lambda m: m.add("bad\ud800", 1), "valid Unicode"),
        (lambda m: m.property("p", object()), "property 'p' needs a value JSON can hold"),
        (lambda m: m.property("p", "\udcff"), "property 'p' needs a value JSON can hold"),
    ],
)
def test_rejected_metrics(call: Callable[[Metrics], object], message: str) -> None:
    metrics, _ = _metrics(dimensions={"Service": "a"})
    with pytest.raises(MetricsError, match=message):
        call(metrics)


def test_unit_change_and_bad_config_rejected() -> None:
    metrics, _ = _metrics()
    metrics.add("x", 1, unit="Count")
    with pytest.raises(MetricsError, match="Count"):
        metrics.add("x", 1, unit="Seconds")
    with pytest.raises(MetricsError, match="whitespace"):
        Metrics(namespace="my shop")
    with pytest.raises(MetricsError, match="string value"):
        Metrics(namespace="shop", dimensions={"Service": 3})  # type: ignore[dict-item]
    with pytest.raises(MetricsError, match="at most 30"):
        Metrics(namespace="shop", dimensions={f"d{i}": "v" for i in range(31)})
    assert "Count" in UNITS and "Count/Second" in UNITS


async def test_invocation_scopes_concurrent_adds_and_flushes_at_the_end() -> None:
    metrics, out = _metrics()

    async def record(i: int) -> None:
        await anyio.lowlevel.checkpoint()
        metrics.add("Handled", 1)
        await anyio.to_thread.run_sync(lambda: metrics.add("Threaded", i))

    with metrics.invocation():
        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(record, i)
        assert out.getvalue() == ""  # written when the invocation ends
    (doc,) = emf.read(out.getvalue())
    assert doc["Handled"] == [1.0] * 5
    assert sorted(doc["Threaded"]) == [0.0, 1.0, 2.0, 3.0, 4.0]
    metrics.add("Outside", 1)  # outside an invocation: kept until flush
    assert len(out.getvalue().splitlines()) == 1


def test_dispatcher_document() -> None:
    metrics, out = _metrics(dimensions={"Service": "orders"})
    metrics.write_invocation(
        source="sqs",
        size=10,
        succeeded=6,
        failed=2,
        dropped=1,
        cut_by_deadline=1,
        duration_ms=12.3456,
        cold_start=True,
        record_age_ms=1500.0,
    )
    (doc,) = emf.read(out.getvalue())
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Service", "Source"]]
    assert (doc["Source"], doc["BatchSize"], doc["RecordsSucceeded"]) == ("sqs", 10, 6)
    assert doc["RecordsFailed"] + doc["RecordsCutByDeadline"] + doc["RecordsDropped"] == 4
    assert (doc["ColdStart"], doc["Duration"], doc["RecordAge"]) == (1, 12.346, 1500.0)


def test_a_metric_and_a_property_never_share_a_name() -> None:
    metrics, _ = _metrics()
    metrics.add("Orders", 1)
    with pytest.raises(MetricsError, match="property 'Orders' has the name of a metric"):
        metrics.property("Orders", "x")
    metrics.property("Batch", "b-1")
    with pytest.raises(MetricsError, match="metric 'Batch' has the name of a property"):
        metrics.add("Batch", 1)


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        ([("Service", "orders")], "dimensions must be a mapping"),
        ({"Service": "bad\ud800"}, "valid Unicode"),
    ],
)
def test_dimensions_that_cannot_be_written_are_refused(dimensions: object, message: str) -> None:
    with pytest.raises(MetricsError, match=message):
        Metrics(namespace="shop", dimensions=dimensions)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        ({f"d{i}": "v" for i in range(30)}, "give at most 29"),
        ({"Source": "mine"}, "'Source' is the dispatcher's own"),
    ],
)
def test_an_app_refuses_dimensions_its_dispatcher_document_cannot_carry(
    dimensions: dict[str, str], message: str
) -> None:
    from lambent import App, ConfigurationError

    metrics = Metrics(namespace="shop", dimensions=dimensions)  # fine on its own
    with pytest.raises(ConfigurationError, match=message):
        App(metrics=metrics)


def test_a_property_json_cannot_hold_fails_its_record_alone() -> None:
    from lambent import App
    from lambent.testing import FakeContext, sqs_event

    out = io.StringIO()
    app = App(metrics=Metrics(namespace="shop", stream=out))

    @app.sqs("orders")
    def ship(order: dict[str, int], metrics: Metrics) -> None:
        metrics.add("Shipped", 1)
        metrics.property("Order", object() if order["n"] == 2 else order["n"])

    event = sqs_event({"n": 1}, {"n": 2}, queue="orders")
    answer = app.handler(event, FakeContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    user = next(d for d in emf.read(out.getvalue()) if "Shipped" in d)
    assert user["Shipped"] == [1.0, 1.0] and user["Order"] == 1
