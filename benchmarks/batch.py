"""Scenario 2: SQS batch decode and dispatch, warm, from the runtime's dict."""

from __future__ import annotations

import json
from typing import Any

from benchmarks._logs import lines_logged, logged
from benchmarks._measure import (
    PT_VS_LAMBENT,
    VS_FLOOR,
    Config,
    Row,
    Target,
    alternate,
    per_call,
    progress,
    ratios,
)

SCENARIO = "SQS decode + dispatch"


def _targets(n: int) -> tuple[Target, ...]:
    """The issue's targets: ≤ 2.0x the floor at 10 records, ≤ 1.3x (and Powertools
    ≥ 4x slower) from 1,000."""
    if n < 1_000:
        return (Target(VS_FLOOR, "<=", 2.0),)
    return (Target(VS_FLOOR, "<=", 1.3), Target(PT_VS_LAMBENT, ">=", 4.0))


def run(cfg: Config) -> list[Row]:
    from benchmarks.apps import floor_apps, lambent_apps
    from benchmarks.apps.orders import expected_failures, failing_label, order_body
    from lambent.testing import FakeContext, sqs_event

    rows: list[Row] = []
    ctx = FakeContext(timeout=900)
    budget = {"full": 5_000, "quick": 4_000, "smoke": 10}[cfg.mode]  # records a sample
    for n in cfg.sqs_sizes:
        progress(f"{SCENARIO}: {n:,} records")
        event = sqs_event(*(order_body(i) for i in range(n)), queue="orders", seed=n)
        raw = json.dumps(event).encode()
        app = lambent_apps.sqs_app()
        floor = floor_apps.sqs_floor()
        raw_floor = floor_apps.sqs_raw_floor()
        impls: dict[str, Any] = {
            "lambent": lambda a=app, e=event: a.handler(e, ctx),
            "floor": lambda f=floor, e=event: f(e, ctx),
            "raw floor": lambda f=raw_floor, r=raw: f(r, ctx),
        }
        if cfg.powertools:
            from benchmarks.apps import powertools_apps

            powertools = powertools_apps.sqs_app()
            impls["powertools"] = lambda p=powertools, e=event: p(e, ctx)
        want = expected_failures(n)
        for name, fn in impls.items():
            got = len(fn()["batchItemFailures"])
            if got != want:
                raise AssertionError(f"{name} reported {got} failures of {n}, not {want}")
        logs = {name: lines_logged(fn) for name, fn in impls.items()}
        samples = alternate(impls, rounds=cfg.rounds, repeat=max(1, budget // n))
        per_record = per_call(samples, 1e6 / n)
        rate = ", ".join(f"{name} {n / samples.median(name):,.0f}" for name in impls)
        rows.append(
            Row(
                SCENARIO,
                f"{n:,} records into a Struct, {failing_label(n)}",
                "µs/record",
                per_record,
                ratios(samples),
                _targets(n),
                note=f"records/s: {rate}; {logged(logs)}",
            )
        )
        rows.append(
            Row(
                SCENARIO,
                f"{n:,} records, vs the raw floor (event bytes → Structs)",
                "µs/record",
                {"lambent": per_record["lambent"], "floor": samples.median("raw floor") * 1e6 / n},
                {VS_FLOOR: samples.ratio("lambent", "raw floor")},
                note="floor column: the raw floor",
            )
        )
    return rows
