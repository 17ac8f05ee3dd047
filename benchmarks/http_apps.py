"""Apps that grow: a route with a dependency and a middleware against the same route
without them (warm), and the cold start of fifty routes across five routers against the
same routes on one App (fresh interpreters).

``python -m benchmarks.http_apps IMPL EVENT_FILE`` is the cold-start child: it imports
the app module of IMPL (``one-app`` or ``routers``) and answers the event once.
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

from benchmarks._measure import VS_FLOOR, Config, Row, Target, alternate, progress

ROOT = Path(__file__).resolve().parent.parent
MODULES = {"one-app": "benchmarks.apps.grown_one_app", "routers": "benchmarks.apps.grown_routers"}
SCENARIO_WARM = "HTTP dependency + middleware"
SCENARIO_COLD = "Cold start, routers"


def run_warm(cfg: Config) -> list[Row]:
    from benchmarks.apps import grown
    from lambent.testing import FakeContext, http_request

    n = cfg.http_requests
    progress(f"{SCENARIO_WARM}: {n:,} apigw-http requests, with and without")
    ctx = FakeContext(timeout=900)
    events = [
        http_request("GET", f"/orders/ord-{i:08d}", source="apigw-http",
                     route="/orders/{order_id}", headers={"x-user": f"u{i}"}, seed=i)
        for i in range(min(n, 100))
    ]  # fmt: skip
    apps = {"lambent": grown.with_dependency_and_middleware(), "floor": grown.without()}
    for name, app in apps.items():
        answer = app.handler(events[0], ctx)
        if answer["statusCode"] != 200 or (name == "lambent") != ("server" in answer["headers"]):
            raise AssertionError(f"{name}: unexpected answer {answer}")

    def replay(app: Any) -> Any:
        def run() -> None:
            for event in events:
                app.handler(event, ctx)

        return run

    samples = alternate(
        {name: replay(app) for name, app in apps.items()},
        rounds=cfg.rounds,
        repeat=max(1, n // len(events)),
    )
    per = {name: samples.median(name) / len(events) * 1e6 for name in apps}
    return [
        Row(
            SCENARIO_WARM,
            "GET /orders/{order_id}, one Depends + one middleware",
            "µs/request",
            {"lambent": per["lambent"], "floor": per["floor"], "powertools": None},
            {VS_FLOOR: samples.ratio("lambent", "floor"), "Powertools ÷ lambent": None},
            (Target(VS_FLOOR, "<=", 1.25),),
            note="lambent: with them; floor: the same async route reading the header itself",
        )
    ]


def _child(impl: str, event_path: str) -> dict[str, float]:
    env = dict(os.environ, AWS_LAMBDA_FUNCTION_NAME="bench")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.http_apps", impl, event_path],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{impl} child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    return result


def run_cold(cfg: Config) -> list[Row]:
    from lambent.testing import http_request

    rounds = cfg.cold_rounds * 3  # the two differ by little: more rounds than noise
    progress(f"{SCENARIO_COLD}: fresh interpreters, {rounds} rounds")
    impls = ["routers", "one-app"]
    runs: dict[str, list[dict[str, float]]] = {impl: [] for impl in impls}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "request.json")
        event = http_request("GET", "/api/group4/r8/7", source="apigw-http")
        Path(path).write_text(json.dumps(event))
        for impl in impls:  # bytecode compiled, page cache warm
            _child(impl, path)
        for r in range(rounds):
            for impl in impls[r % 2 :] + impls[: r % 2]:
                runs[impl].append(_child(impl, path))

    def median(impl: str) -> float:
        return statistics.median(x["total_ms"] for x in runs[impl])

    ratio = statistics.median(
        a["total_ms"] / b["total_ms"] for a, b in zip(runs["routers"], runs["one-app"], strict=True)
    )
    return [
        Row(
            SCENARIO_COLD,
            "import + define 50 HTTP routes + first request",
            "ms",
            {"lambent": median("routers"), "floor": median("one-app"), "powertools": None},
            {VS_FLOOR: ratio, "Powertools ÷ lambent": None},
            (Target(VS_FLOOR, "<=", 1.1),),
            note="lambent: 5 routers of 10 routes, included; floor: the 50 routes on one App",
            fmt="{:,.1f}",
        )
    ]


def _main(impl: str, event_path: str) -> dict[str, float]:
    import importlib

    event = json.loads(Path(event_path).read_text())
    start = time.perf_counter()
    module = importlib.import_module(MODULES[impl])
    imported = time.perf_counter()
    answer = module.handler(event, None)
    done = time.perf_counter()
    if answer["statusCode"] != 200:
        raise SystemExit(f"unexpected answer {answer}")
    return {"init_ms": (imported - start) * 1000, "total_ms": (done - start) * 1000}


if __name__ == "__main__":
    sys.stdout.write("BENCH-RESULT " + json.dumps(_main(sys.argv[1], sys.argv[2])) + "\n")
