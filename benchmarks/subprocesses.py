"""Scenarios 1 and 6, each run in fresh interpreters: cold start, and peak memory.

Every sample is one new interpreter (``benchmarks._child``); the implementations
alternate, the order rotating each round, after one untimed run each that compiles
and caches bytecode and warms the page cache. Ratios are medians of per-round ratios.
"""

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

from benchmarks._logs import logged
from benchmarks._measure import (
    PEER_RATIOS,
    VS_FLOOR,
    Config,
    Row,
    Target,
    faster_than_peers,
    progress,
)

ROOT = Path(__file__).resolve().parent.parent
Runs = dict[str, list[dict[str, Any]]]


def _sqs_file(directory: str, n: int) -> str:
    from benchmarks.apps.mixed import QUEUES
    from benchmarks.apps.orders import order_body
    from lambent.testing import sqs_event

    event = sqs_event(*(order_body(i) for i in range(n)), queue=QUEUES[0], seed=n)
    return _write(directory, f"sqs-{n}.json", event)


def _http_file(directory: str) -> str:
    from benchmarks.apps.routes import ORDER_PATH
    from lambent.testing import http_request

    event = http_request("GET", "/orders/ord-1", source="apigw-rest", route=ORDER_PATH, seed=1)
    return _write(directory, "http.json", event)


def _write(directory: str, name: str, event: Any) -> str:
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(event, f)
    return path


def child(app: str, impl: str, event_path: str) -> dict[str, Any]:
    """Run one fresh interpreter; adds ``process_ms`` (spawn to exit, as seen from here)."""
    env = dict(os.environ)
    env["AWS_LAMBDA_FUNCTION_NAME"] = "bench"  # lambent logs as it does in Lambda
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._child", app, impl, event_path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    process_ms = (time.perf_counter() - start) * 1000
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{app} {impl} child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    result["process_ms"] = process_ms
    # what the app logged (lambent: its own Lambda logger, JSON lines on stdout)
    result["log_lines"] = sum(
        1 for line in (proc.stdout + proc.stderr).splitlines()
        if line.strip() and not line.startswith("BENCH-RESULT ")
    )  # fmt: skip
    return result


def _rounds(app: str, impls: list[str], path: str, rounds: int, outcome: str) -> Runs:
    for impl in impls:  # compile and cache bytecode, warm the page cache; check the answer
        got = child(app, impl, path)["outcome"]
        if got != outcome:
            raise AssertionError(f"{app} {impl}: first invocation gave {got}, not {outcome}")
    out: Runs = {impl: [] for impl in impls}
    for r in range(rounds):
        for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
            out[impl].append(child(app, impl, path))
    return out


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def _ratio(runs: Runs, a: str, b: str, key: str) -> float | None:
    if a not in runs or b not in runs:
        return None
    pairs = [(float(x[key]), float(y[key])) for x, y in zip(runs[a], runs[b], strict=True)]
    if any(y <= 0 for _, y in pairs):
        return None
    return statistics.median(x / y for x, y in pairs)


def _peers(cfg: Config, *peers: str) -> list[str]:
    return ["lambent", "floor", *(p for p in peers if cfg.has(p))]


def _row(
    runs: Runs,
    scenario: str,
    case: str,
    unit: str,
    key: str,
    *,
    scale: float = 1.0,
    targets: tuple[Target, ...] = (),
    note: str = "",
    fmt: str = "{:,.1f}",
) -> Row:
    ratios = {VS_FLOOR: _ratio(runs, "lambent", "floor", key)}
    ratios.update({name: _ratio(runs, p, "lambent", key) for p, name in PEER_RATIOS.items()})
    return Row(
        scenario,
        case,
        unit,
        {impl: _median(results, key) * scale for impl, results in runs.items()},
        ratios,
        targets,
        note,
        fmt,
    )


def _details(runs: Runs, scenario: str) -> list[Row]:
    """The rows under a cold start's total: its parts, the process, modules, RSS."""
    return [
        _row(runs, scenario, "  of which import + define", "ms", "init_ms"),
        _row(runs, scenario, "  of which first invocation", "ms", "first_ms"),
        _row(runs, scenario, "  whole process (interpreter start to exit)", "ms", "process_ms"),
        _row(runs, scenario, "  modules imported", "modules", "modules", fmt="{:,.0f}"),
        _row(runs, scenario, "  RSS after import", "MB", "rss_import_kb", scale=1 / 1024),
    ]


def _asyncio(runs: Runs) -> str:
    """Which sides imported asyncio, and how many lines each logged (first sample)."""
    said = {impl: "yes" if results[0]["asyncio"] else "no" for impl, results in runs.items()}
    return (
        "asyncio imported: "
        + ", ".join(f"{k} {v}" for k, v in said.items())
        + "; "
        + (_logged(runs))
    )


def _logged(runs: Runs) -> str:
    return logged({impl: results[0]["log_lines"] for impl, results in runs.items()})


def run_cold(cfg: Config) -> list[Row]:
    progress(f"Cold start: fresh interpreters, {cfg.cold_rounds} rounds")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        progress("Cold start: mixed 10-route app, first invocation a 10-record SQS batch")
        mixed = _rounds("mixed", _peers(cfg, "powertools"), _sqs_file(tmp, 10),
                        cfg.cold_rounds, "1 failures")  # fmt: skip
        progress("Cold start: HTTP-only 10-route app, first invocation a REST GET")
        http = _rounds("http", _peers(cfg, "powertools", "mangum", "chalice"), _http_file(tmp),
                       cfg.cold_rounds, "status 200")  # fmt: skip
    progress("Cold start: import lambent vs import msgspec, anyio, asyncio")
    imports = _rounds("import", ["lambent", "floor"], "-", 2 * cfg.cold_rounds + 1, "none")
    progress("Cold start: from lambent import App vs import msgspec, anyio, asyncio")
    app_imports = _rounds("import-app", ["lambent", "floor"], "-", 2 * cfg.cold_rounds + 1,
                          "none")  # fmt: skip
    scenario = "Cold start, mixed app"
    rows += [
        _row(mixed, scenario, "import + define 10 routes (4 SQS, Kinesis, DynamoDB, EventBridge, "
             "schedule, GET + typed PUT) + first SQS batch (10 records)", "ms", "total_ms",
             targets=(Target(VS_FLOOR, "<=", 1.2),),
             note="floor: msgspec + anyio + asyncio, the same ten routes told apart by hand; "
             f"Powertools: batch + parser + event handler; {_asyncio(mixed)}"),
        *_details(mixed, scenario),
    ]  # fmt: skip
    scenario = "Cold start, HTTP-only app"
    peers = [p for p in ("powertools", "mangum", "chalice") if p in http]
    rows += [
        _row(http, scenario, "import + define 10 routes with plain handlers + first REST "
             "request (GET /orders/{order_id})", "ms", "total_ms",
             targets=faster_than_peers(*peers),
             note="floor: a dict lookup and msgspec; Powertools: APIGatewayRestResolver "
             f"without validation; Mangum+Starlette with lifespan off; {_asyncio(http)}"),
        *_details(http, scenario),
    ]  # fmt: skip
    rows += [
        _row(imports, "Cold start, import", "import lambent (floor: import msgspec, anyio, "
             "asyncio)", "ms", "init_ms", targets=(Target(VS_FLOOR, "<=", 1.0),),
             note=f"{len(imports['lambent'])} rounds; {_asyncio(imports)}", fmt="{:,.2f}"),
        _row(imports, "Cold start, import", "  modules imported", "modules", "modules",
             fmt="{:,.0f}"),
        _row(app_imports, "Cold start, import", "from lambent import App (the same floor; "
             "public names load on first use, so this is what an app pays before its routes)",
             "ms", "init_ms", note=f"{len(app_imports['lambent'])} rounds; {_asyncio(app_imports)}",
             fmt="{:,.2f}"),
        _row(app_imports, "Cold start, import", "  modules imported", "modules", "modules",
             fmt="{:,.0f}"),
    ]  # fmt: skip
    return rows


def run_memory(cfg: Config) -> list[Row]:
    n = cfg.memory_records
    scenario = "Memory"
    progress(f"{scenario}: peak RSS serving {n:,} records in fresh interpreters")
    from benchmarks.apps.orders import expected_failures

    with tempfile.TemporaryDirectory() as tmp:
        runs = _rounds("mixed", _peers(cfg, "powertools"), _sqs_file(tmp, n),
                       min(cfg.cold_rounds, 3), f"{expected_failures(n)} failures")  # fmt: skip
    for results in runs.values():
        for r in results:
            r["delta_kb"] = r["peak_kb"] - r["rss_before_kb"]
    return [
        _row(runs, scenario, f"peak RSS, {n:,}-record batch (the mixed app)", "MB", "peak_kb",
             scale=1 / 1024, targets=(Target(VS_FLOOR, "<=", 1.1),),
             note="peak RSS (VmHWM, reset once the runtime's event dict is loaded; "
                  f"else ru_maxrss) while importing and serving the batch; {_logged(runs)}"),
        _row(runs, scenario, "  of which above the loaded event (peak - RSS before import)",
             "MB", "delta_kb", scale=1 / 1024),
    ]  # fmt: skip
