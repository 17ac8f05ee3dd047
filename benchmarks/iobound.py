"""Scenarios 3 and 4: I/O-bound batches (handlers await 10 ms), standard and ordered.

The floor is the ideal: records split over ``concurrency`` slots (standard queue)
or over their order groups (FIFO message groups, Kinesis partition keys), each
record taking exactly the delay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

from benchmarks._measure import (
    VS_FLOOR,
    Config,
    Row,
    Samples,
    Target,
    alternate,
    progress,
    ratios,
)


def _with_ideal(samples: Samples, ideal: float) -> Samples:
    samples.times["floor"] = [ideal] * len(samples.times["lambent"])
    return samples


def _check(name: str, response: Any) -> None:
    if response["batchItemFailures"]:
        raise AssertionError(f"{name} failed records: {response['batchItemFailures'][:3]}")


def run_io(cfg: Config) -> list[Row]:
    from benchmarks.apps import floor_apps, lambent_apps
    from benchmarks.apps.orders import order_body
    from lambent.testing import FakeContext, sqs_event

    n, delay, limit = cfg.io_records, cfg.io_delay, cfg.concurrency
    scenario = "I/O-bound batch"
    progress(f"{scenario}: {n:,} records awaiting {delay * 1000:g} ms, concurrency {limit}")
    event = sqs_event(*(order_body(i, failing=False) for i in range(n)), queue="orders", seed=3)
    ctx = FakeContext(timeout=900)
    app = lambent_apps.io_app(delay, limit)
    pool = floor_apps.io_floor(delay, limit)
    impls: dict[str, Callable[[], Any]] = {
        "lambent": partial(app.handler, event, ctx),
        "pool": partial(pool, event, ctx),
    }
    if cfg.powertools:
        from benchmarks.apps import powertools_apps

        powertools = powertools_apps.io_app(delay, limit)
        impls["powertools"] = lambda: powertools(event, ctx)
    for name, fn in impls.items():
        _check(name, fn())
    ideal = math.ceil(n / limit) * delay
    samples = _with_ideal(alternate(impls, rounds=cfg.rounds, warmup=0), ideal)
    return [
        Row(
            scenario,
            f"{n:,} records x {delay * 1000:g} ms, concurrency {limit}",
            "ms/batch",
            {
                "lambent": samples.median("lambent") * 1000,
                "floor": ideal * 1000,
                "powertools": samples.median("powertools") * 1000 if cfg.powertools else None,
            },
            ratios(samples),
            (Target(VS_FLOOR, "<=", 1.2),),
            note=(
                "floor column: the ideal N / concurrency x delay; Powertools' "
                f"AsyncBatchProcessor gathers every record, its handler takes a semaphore of {limit}"
            ),
        ),
        Row(
            scenario,
            f"{n:,} records x {delay * 1000:g} ms, vs a hand-written anyio worker pool",
            "ms/batch",
            {"lambent": samples.median("lambent") * 1000, "floor": samples.median("pool") * 1000},
            {VS_FLOOR: samples.ratio("lambent", "pool")},
            note="floor column: the same work on a plain pool of anyio tasks (what the loop allows)",
        ),
    ]


def run_ordered(cfg: Config) -> list[Row]:
    from benchmarks.apps import lambent_apps
    from benchmarks.apps.orders import order_body
    from lambent.testing import FakeContext, kinesis_event, sqs_event

    n, delay, groups = cfg.io_records, cfg.io_delay, cfg.groups
    bodies = [order_body(i, failing=False) for i in range(n)]
    group_ids = [f"group-{g}" for g in range(groups)]
    events = {
        "SQS FIFO": sqs_event(*bodies, queue="orders.fifo", group_id=group_ids, seed=4),
        "Kinesis": kinesis_event(*bodies, stream="orders", partition_key=group_ids, seed=4),
    }
    ctx = FakeContext(timeout=900)
    app = lambent_apps.io_app(delay, cfg.concurrency)
    rounds = min(cfg.rounds, 3)  # Powertools runs these one record at a time
    rows: list[Row] = []
    for label, event in events.items():
        scenario = f"{label}, {groups} {'groups' if label == 'SQS FIFO' else 'partition keys'}"
        progress(f"{scenario}: {n:,} records awaiting {delay * 1000:g} ms")
        head = _head(event, groups)
        impls: dict[str, Callable[[], Any]] = {"lambent": partial(app.handler, event, ctx)}
        warm: dict[str, Callable[[], Any]] = {"lambent": partial(app.handler, head, ctx)}
        if cfg.powertools:
            from benchmarks.apps import powertools_apps

            make = powertools_apps.fifo_app if label == "SQS FIFO" else powertools_apps.kinesis_app
            powertools = make(delay)
            impls["powertools"] = partial(powertools, event, ctx)
            warm["powertools"] = partial(powertools, head, ctx)
        for name, fn in warm.items():
            _check(name, fn())
        ideal = math.ceil(n / groups) * delay
        samples = _with_ideal(alternate(impls, rounds=rounds, warmup=0), ideal)
        rows.append(
            Row(
                "ordered I/O-bound batch",
                f"{scenario}: {n:,} records x {delay * 1000:g} ms",
                "ms/batch",
                {
                    "lambent": samples.median("lambent") * 1000,
                    "floor": ideal * 1000,
                    "powertools": samples.median("powertools") * 1000 if cfg.powertools else None,
                },
                ratios(samples),
                (Target(VS_FLOOR, "<=", 1.2),),
                note=(
                    "floor column: the ideal ⌈N / groups⌉ x delay; Powertools' "
                    + ("SqsFifoPartialProcessor" if label == "SQS FIFO" else "BatchProcessor")
                    + " is synchronous, its handler sleeps"
                ),
            )
        )
    return rows


def _head(event: dict[str, Any], n: int) -> dict[str, Any]:
    return {**event, "Records": event["Records"][:n]}
