"""Scenario: what idempotency, metrics and tracing cost on an SQS batch (issue targets).

Each row compares the same app and the same batch with the feature on (``lambent``
column) and off (``floor`` column: "without"), timed alternately in one process:

* idempotency with a ``MemoryStore`` (a new store every call, so every record is new
  and claims, runs and completes its key): ≤ 1.3 times at 1,000 records;
* metrics (the dispatcher's EMF document; written to a null stream): ≤ 1.05 times;
* tracing (OpenTelemetry SDK, spans dropped by a no-op processor): stated, no target;
* ``DynamoDBStore`` against moto's server on 127.0.0.1: DynamoDB calls per batch;
* tracing's cold-start cost: ``import lambent`` plus the first traced invocation, in a
  fresh interpreter, minus the same without tracing.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from typing import Any

import anyio

from benchmarks._measure import VS_FLOOR, Config, Row, Target, alternate, progress
from benchmarks.apps.orders import Order, check

SCENARIO = "Idempotency, metrics, tracing"


def _app(**options: Any) -> Any:
    from lambent import App

    app = App(**options)

    @app.sqs("orders", idempotent="idempotency" in options)
    def on_order(order: Order) -> None:
        check(order)

    return app


def _compare(cfg: Config, n: int, case: str, on: Any, off: Any, target: float | None) -> Row:
    # a few percent is the target: more, shorter rounds than the other scenarios, so that
    # each round's pair shares its noise (the ratio is the median of per-round ratios)
    # (at least 40 rounds: a quick run's few rounds left the ratio a few percent apart
    # from one run to the next on a loaded machine, as wide as the target's margin)
    rounds = cfg.rounds if cfg.mode == "smoke" else max(40, 4 * cfg.rounds)
    samples = alternate({"on": on, "off": off}, rounds=rounds, repeat=max(1, 2_000 // n))
    return Row(
        SCENARIO,
        case,
        "µs/record",
        {"lambent": samples.median("on") * 1e6 / n, "floor": samples.median("off") * 1e6 / n},
        {VS_FLOOR: samples.ratio("on", "off")},
        (Target(VS_FLOOR, "<=", target),) if target is not None else (),
        note="floor column: the same app and batch without it",
    )


def run(cfg: Config) -> list[Row]:
    from benchmarks.apps.orders import order_body
    from lambent.idempotency import MemoryStore
    from lambent.metrics import Metrics
    from lambent.testing import FakeContext, sqs_event

    n = 10 if cfg.mode == "smoke" else 1_000
    ctx = FakeContext(timeout=900)
    event = sqs_event(*(order_body(i) for i in range(n)), queue="orders", seed=n)
    plain = _app()
    rows: list[Row] = []

    progress(f"{SCENARIO}: idempotency, {n:,} records")
    store = MemoryStore()
    keyed = _app(idempotency=store)

    def with_store() -> Any:
        store.clear()  # every record new: claim, run, complete
        return keyed.handler(event, ctx)

    if with_store() != plain.handler(event, ctx):
        raise AssertionError("idempotency changed the batch's response")
    rows.append(
        _compare(cfg, n, f"{n:,} records, MemoryStore", with_store,
                 lambda: plain.handler(event, ctx), 1.3 if n >= 1_000 else None)
    )  # fmt: skip

    progress(f"{SCENARIO}: metrics, {n:,} records")
    measured = _app(metrics=Metrics(namespace="bench", stream=io.StringIO()))
    sink = measured.metrics

    def with_metrics() -> Any:
        sink.stream = io.StringIO()
        return measured.handler(event, ctx)

    rows.append(
        _compare(cfg, n, f"{n:,} records, EMF metrics", with_metrics,
                 lambda: plain.handler(event, ctx), 1.05 if n >= 1_000 else None)
    )  # fmt: skip

    tracing = _tracing()
    if tracing is not None:
        progress(f"{SCENARIO}: tracing, {n:,} records")
        traced = _app(tracing=tracing)
        rows.append(
            _compare(cfg, n, f"{n:,} records, OpenTelemetry spans", lambda: traced.handler(event, ctx),
                     lambda: plain.handler(event, ctx), None)
        )  # fmt: skip
        rows.append(_cold_start(cfg))
    rows.append(_dynamodb_calls(n if cfg.mode != "full" else 1_000))
    return rows


def _tracing() -> Any:
    try:
        from opentelemetry.sdk.trace import TracerProvider
    except ImportError:
        return None
    from lambent.tracing import Tracing

    return Tracing(tracer_provider=TracerProvider())  # no exporter: spans are dropped


_COLD = """
import time
started = time.perf_counter()
from lambent import App
from lambent.testing import FakeContext, sqs_event
TRACING
app = App(**OPTIONS)

@app.sqs("orders")
def on_order(body: dict) -> None:
    pass

app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
print(time.perf_counter() - started)
"""


def _cold_start(cfg: Config) -> Row:
    progress(f"{SCENARIO}: tracing cold start")
    with_otel = _COLD.replace(
        "TRACING",
        "from opentelemetry.sdk.trace import TracerProvider\nfrom lambent.tracing import Tracing",
    ).replace("**OPTIONS", "tracing=Tracing(tracer_provider=TracerProvider())")
    without = _COLD.replace("TRACING", "").replace("**OPTIONS", "")
    rounds = cfg.rounds if cfg.mode != "smoke" else 1
    times: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(rounds):
        for name, code in (("on", with_otel), ("off", without)):
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            times[name].append(float(out.stdout.strip().splitlines()[-1]))
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    return Row(
        SCENARIO,
        "cold start: import + first invocation, OpenTelemetry SDK tracing",
        "ms",
        {"lambent": on * 1e3, "floor": off * 1e3},
        {VS_FLOOR: on / off},
        note=f"tracing adds {1e3 * (on - off):,.0f} ms to a cold start; floor column: without tracing",
        fmt="{:,.1f}",
    )


def _dynamodb_calls(n: int) -> Row:
    """One batch against DynamoDBStore on moto's server: the API calls it made."""
    progress(f"{SCENARIO}: DynamoDBStore calls, {n:,} records")
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        return Row(SCENARIO, "DynamoDBStore", "", {}, note=f"unavailable: {exc}")
    import os

    import lambent.aws
    from benchmarks.apps.orders import order_body
    from lambent.idempotency import DynamoDBStore
    from lambent.testing import FakeContext, sqs_event

    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        os.environ.setdefault(key, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client: Any = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
        client.create_table(
            TableName="idem",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        event = sqs_event(*(order_body(i) for i in range(n)), queue="orders", seed=n + 1)

        async def two_deliveries() -> tuple[dict[str, int], dict[str, int], float, float]:
            store = DynamoDBStore("idem", endpoint_url=endpoint, region="us-east-1")
            app = _app(idempotency=store)
            try:
                started = time.perf_counter()
                await app.dispatch(event, FakeContext(timeout=900))
                first = time.perf_counter() - started
                calls = dict(store.calls)
                started = time.perf_counter()
                await app.dispatch(event, FakeContext(timeout=900))  # all done or failed
                again = time.perf_counter() - started
            finally:
                await lambent.aws.close()
            return calls, {k: v - calls[k] for k, v in store.calls.items()}, first, again

        calls, repeat, first, again = anyio.run(two_deliveries)
    finally:
        server.stop()
    shown = ", ".join(f"{k} {v}" for k, v in calls.items() if v)
    shown_again = ", ".join(f"{k} {v}" for k, v in repeat.items() if v)
    return Row(
        SCENARIO,
        f"{n:,} records, DynamoDBStore on moto (calls per batch)",
        "calls",
        {"lambent": float(sum(calls.values())), "floor": None},
        note=(
            "reads batched (one BatchGetItem per 100 keys), one conditional write per "
            "record that runs (PutItem: its claim), then one PutItem (completed) or "
            f"DeleteItem (released) per record; first delivery: {shown} ({first:.2f} s on "
            f"moto); the same batch again: {shown_again} ({again:.2f} s)"
        ),
        fmt="{:,.0f}",
    )


if __name__ == "__main__":  # python -m benchmarks.observe: print the rows
    from benchmarks._measure import config

    for row in run(config("quick", peers=False)):
        print(row.case, {k: v for k, v in row.values.items()}, row.ratios, row.note)
