"""Scenarios 1 and 6, each run in fresh interpreters: cold start, and peak memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._measure import PT_VS_LAMBENT, VS_FLOOR, Config, Row, Target, progress

ROOT = Path(__file__).resolve().parent.parent


def _event_file(directory: str, n: int) -> str:
    from benchmarks.apps.orders import order_body
    from lambent.testing import sqs_event

    path = os.path.join(directory, f"sqs-{n}.json")
    event = sqs_event(*(order_body(i) for i in range(n)), queue="orders-0", seed=n)
    with open(path, "w") as f:
        json.dump(event, f)
    return path


def child(impl: str, event_path: str) -> dict[str, Any]:
    """Run one fresh interpreter; adds ``process_ms`` (spawn to exit, as seen from here)."""
    env = dict(os.environ)
    env["AWS_LAMBDA_FUNCTION_NAME"] = "bench"  # lambent logs as it does in Lambda
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if impl == "powertools-lean":
        env["BENCH_POWERTOOLS_EVENT_HANDLER"] = "0"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._child", impl, event_path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    process_ms = (time.perf_counter() - start) * 1000
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{impl} child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    result["process_ms"] = process_ms
    return result


def _rounds(impls: list[str], path: str, rounds: int) -> dict[str, list[dict[str, Any]]]:
    for impl in impls:  # compile and cache bytecode, warm the page cache
        child(impl, path)
    out: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls}
    for r in range(rounds):
        for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
            out[impl].append(child(impl, path))
    return out


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def _ratio(runs: dict[str, list[dict[str, Any]]], a: str, b: str, key: str) -> float | None:
    if a not in runs or b not in runs:
        return None
    pairs = [(float(x[key]), float(y[key])) for x, y in zip(runs[a], runs[b], strict=True)]
    if any(y <= 0 for _, y in pairs):
        return None
    return statistics.median(x / y for x, y in pairs)


def _impls(cfg: Config, lean: bool = False) -> list[str]:
    impls = ["lambent", "floor"]
    if cfg.powertools:
        impls += ["powertools", "powertools-lean"] if lean else ["powertools"]
    return impls


def _row(
    runs: dict[str, list[dict[str, Any]]],
    scenario: str,
    case: str,
    unit: str,
    key: str,
    *,
    scale: float = 1.0,
    powertools: str = "powertools",
    targets: tuple[Target, ...] = (),
    note: str = "",
    fmt: str = "{:,.1f}",
) -> Row:
    def value(impl: str) -> float | None:
        return _median(runs[impl], key) * scale if impl in runs else None

    return Row(
        scenario,
        case,
        unit,
        {"lambent": value("lambent"), "floor": value("floor"), "powertools": value(powertools)},
        {
            VS_FLOOR: _ratio(runs, "lambent", "floor", key),
            PT_VS_LAMBENT: _ratio(runs, powertools, "lambent", key),
        },
        targets,
        note,
        fmt,
    )


def run_cold(cfg: Config) -> list[Row]:
    scenario = "Cold start"
    progress(f"{scenario}: fresh interpreters, {cfg.cold_rounds} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        runs = _rounds(_impls(cfg, lean=True), _event_file(tmp, 10), cfg.cold_rounds)
    floor = "floor: msgspec + anyio + asyncio, same ten routes and batch"
    rows = [
        _row(runs, scenario, "import + define 10 routes + first SQS batch (10 records)", "ms",
             "total_ms", targets=(Target(VS_FLOOR, "<=", 1.2),), note=floor),
        _row(runs, scenario, "  of which import + define", "ms", "init_ms"),
        _row(runs, scenario, "  of which first invocation", "ms", "first_ms"),
        _row(runs, scenario, "whole process (interpreter start to exit)", "ms", "process_ms"),
        _row(runs, scenario, "modules imported", "modules", "modules", fmt="{:,.0f}"),
        _row(runs, scenario, "RSS after import", "MB", "rss_import_kb", scale=1 / 1024),
    ]  # fmt: skip
    if cfg.powertools:
        rows.append(
            _row(runs, scenario, "import + define + first batch, Powertools without event handler",
                 "ms", "total_ms", powertools="powertools-lean",
                 note="Powertools column: batch + parser only")
        )  # fmt: skip
    return rows


def run_memory(cfg: Config) -> list[Row]:
    n = cfg.memory_records
    scenario = "Memory"
    progress(f"{scenario}: peak RSS serving {n:,} records in fresh interpreters")
    with tempfile.TemporaryDirectory() as tmp:
        runs = _rounds(_impls(cfg), _event_file(tmp, n), min(cfg.cold_rounds, 3))
    for results in runs.values():
        for r in results:
            r["delta_kb"] = r["peak_kb"] - r["rss_before_kb"]
    return [
        _row(runs, scenario, f"peak RSS, {n:,}-record batch", "MB", "peak_kb", scale=1 / 1024,
             targets=(Target(VS_FLOOR, "<=", 1.1),),
             note="peak RSS (VmHWM, reset once the runtime's event dict is loaded; "
                  "else ru_maxrss) while importing and serving the batch"),
        _row(runs, scenario, "  of which above the loaded event (peak - RSS before import)",
             "MB", "delta_kb", scale=1 / 1024),
    ]  # fmt: skip
