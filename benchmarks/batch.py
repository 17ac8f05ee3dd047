"""Scenario 2: SQS batch decode and dispatch, warm, from the runtime's dict."""

from __future__ import annotations

import json
from typing import Any

from benchmarks._measure import (
    PT_VS_LAMBENT,
    VS_FLOOR,
    Config,
    Row,
    Target,
    alternate,
    progress,
    ratios,
)

SCENARIO = "SQS decode + dispatch"


def run(cfg: Config) -> list[Row]:
    from benchmarks.apps import floor_apps, lambent_apps
    from benchmarks.apps.orders import expected_failures, order_body
    from lambent.testing import FakeContext, sqs_event

    rows: list[Row] = []
    ctx = FakeContext(timeout=900)
    budget = {"full": 20_000, "quick": 4_000, "smoke": 10}[cfg.mode]
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
        samples = alternate(impls, rounds=cfg.rounds, repeat=max(1, budget // n))
        per_record = {name: samples.median(name) / n * 1e6 for name in impls}
        rate = ", ".join(f"{name} {n / samples.median(name):,.0f}" for name in impls)
        big = n >= 10_000
        rows.append(
            Row(
                SCENARIO,
                f"{n:,} records, 1% failing",
                "µs/record",
                {
                    "lambent": per_record["lambent"],
                    "floor": per_record["floor"],
                    "powertools": per_record.get("powertools"),
                },
                ratios(samples, powertools=cfg.powertools),
                (Target(VS_FLOOR, "<=", 1.5), Target(PT_VS_LAMBENT, ">=", 4.0)) if big else (),
                note=f"records/s: {rate}",
            )
        )
        rows.append(
            Row(
                SCENARIO,
                f"{n:,} records, vs the raw floor (event bytes → Structs)",
                "µs/record",
                {"lambent": per_record["lambent"], "floor": per_record["raw floor"]},
                {VS_FLOOR: samples.ratio("lambent", "raw floor")},
                note="floor column: the raw floor",
            )
        )
    return rows
