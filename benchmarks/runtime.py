"""lambent.runtime: invocation bytes to response bytes, and the wrapper's cold start.

End to end, as the Runtime API hands an invocation over: the bytes of an SQS batch (or
of an HTTP API request) in, the response bytes out.

* ``lambent`` column: lambent.runtime's own step (``AppTarget.invoke``: bytes straight
  to Structs, dispatch, msgspec encoding), on one event loop kept across calls;
* ``floor``: msgspec decodes the bytes into Structs in a plain loop and encodes the
  response (the raw floors of the SQS and HTTP scenarios);
* ``ric`` (awslambdaric+lambent): awslambdaric's own marshaller (``json.loads`` on the
  bytes, simplejson on the result) around ``app.handler``;
* ``powertools``: the same marshaller around the Powertools app.

The cold start row starts fresh worker processes through ``lambent serve`` (its Runtime
API) and times process start to the first response posted: the layer's wrapper script
run as the managed runtime runs it, against ``python -m awslambdaric`` started by the
same bootstrap script, both with the same lambent app and both from cached bytecode
(``--only runtime-cold`` runs this row alone).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._measure import (
    PT_VS_LAMBENT,
    RIC_VS_RUNTIME,
    VS_FLOOR,
    Config,
    Row,
    Target,
    alternate,
    per_call,
    progress,
)

SCENARIO = "lambent.runtime bytes → bytes"


def _sqs_targets(n: int) -> tuple[Target, ...]:
    """Issue 14's targets: at most 1.3x the floor at every size (10, 1,000 and 4,800 records),
    the ratios to the peers from 1,000 records."""
    if n < 1_000:
        return (Target(VS_FLOOR, "<=", 1.3),)
    return (
        Target(VS_FLOOR, "<=", 1.3),
        Target(RIC_VS_RUNTIME, ">=", 2.5),
        Target(PT_VS_LAMBENT, ">=", 6.0),
    )


def _impls(cfg: Config, app: Any, floor: Callable[[bytes], bytes], body: bytes,
           powertools: Any = None) -> dict[str, Callable[[], Any]]:  # fmt: skip
    from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

    from lambent._logging import invocation_context
    from lambent.runtime._target import AppTarget
    from lambent.testing import FakeContext

    ctx = FakeContext(timeout=900)
    target = AppTarget(app)
    invocations = invocation_context()  # the loop-free loop's one context
    marshaller = LambdaMarshaller()

    def ric(handler: Any) -> Callable[[], Any]:
        return lambda: marshaller.marshal_response(
            handler(marshaller.unmarshal_request(body, "application/json"), ctx)
        )

    impls: dict[str, Callable[[], Any]] = {
        # what lambent.runtime's loop-free loop calls (the benchmark apps' handlers are
        # plain), in the context it runs every invocation in: the compiled answer
        # straight, the rest stepped without a loop
        "lambent": lambda: invocations.run(target.invoke_now, body, "application/json", ctx),
        "floor": lambda: floor(body),
        "ric": ric(app.handler),
    }
    if powertools is not None:
        impls["powertools"] = ric(powertools)
    return impls


def _same_answers(
    impls: dict[str, Callable[[], Any]], key: Callable[[Any], Any] = lambda doc: doc
) -> None:
    answers = {}
    for name, fn in impls.items():
        out = fn()
        payload = out[0] if isinstance(out, tuple) else out
        answers[name] = key(json.loads(payload))
    first = answers["lambent"]
    for name, answer in answers.items():
        if answer != first:
            raise AssertionError(f"{name} answers {str(answer)[:200]}, lambent {str(first)[:200]}")


def _ratios(samples: Any) -> dict[str, float | None]:
    have = samples.times
    return {
        VS_FLOOR: samples.ratio("lambent", "floor"),
        RIC_VS_RUNTIME: samples.ratio("ric", "lambent"),
        PT_VS_LAMBENT: samples.ratio("powertools", "lambent") if "powertools" in have else None,
    }


def run_sqs(cfg: Config) -> list[Row]:
    import msgspec

    from benchmarks.apps import floor_apps, lambent_apps
    from benchmarks.apps.orders import order_body
    from lambent.testing import FakeContext, sqs_event

    ctx = FakeContext(timeout=900)
    encode = msgspec.json.Encoder().encode
    rows: list[Row] = []
    sizes = {"full": (10, 1_000, 4_800), "quick": (10, 1_000), "smoke": (10,)}[cfg.mode]
    budget = {"full": 5_000, "quick": 4_000, "smoke": 10}[cfg.mode]
    for n in sizes:
        progress(f"{SCENARIO}: SQS, {n:,} records")
        body = json.dumps(
            sqs_event(*(order_body(i) for i in range(n)), queue="orders", seed=n)
        ).encode()
        raw_floor = floor_apps.sqs_raw_floor()
        powertools = None
        if cfg.powertools:
            from benchmarks.apps import powertools_apps

            powertools = powertools_apps.sqs_app()

        def floor(b: bytes, f: Callable[[bytes, Any], Any] = raw_floor) -> bytes:
            return encode(f(b, ctx))

        impls = _impls(cfg, lambent_apps.sqs_app(), floor, body, powertools)
        _same_answers(impls)
        samples = alternate(impls, rounds=cfg.rounds, repeat=max(1, budget // n))
        rows.append(
            Row(
                SCENARIO,
                f"SQS batch of {n:,} records ({len(body) / 1e6:.2f} MB), bytes → response bytes",
                "µs/record",
                per_call(samples, 1e6 / n),
                _ratios(samples),
                _sqs_targets(n),
                note="lambent: lambent.runtime's AppTarget; ric/Powertools: awslambdaric's "
                "marshaller (json.loads, simplejson) around the handler",
            )
        )
    return rows


def run_http(cfg: Config) -> list[Row]:
    import msgspec

    from benchmarks.apps import floor_apps, lambent_apps
    from benchmarks.apps.orders import order_body
    from benchmarks.apps.routes import PUT_ORDER
    from lambent.testing import FakeContext, http_request

    ctx = FakeContext(timeout=900)
    encode = msgspec.json.Encoder().encode
    floor = floor_apps.http_floor("apigw-http")
    decode_event = msgspec.json.decode

    def floor_bytes(body: bytes) -> bytes:
        return encode(floor(decode_event(body), ctx))

    event = http_request("PUT", "/orders/ord-00000001", source="apigw-http",
                         route=PUT_ORDER[1], json=order_body(1, failing=False), seed=1)  # fmt: skip
    body = json.dumps(event).encode()
    progress(f"{SCENARIO}: HTTP API PUT with a typed body")
    impls = _impls(cfg, lambent_apps.http_app(), floor_bytes, body)
    _same_answers(impls, lambda doc: (doc["statusCode"], json.loads(doc["body"])))
    samples = alternate(impls, rounds=cfg.rounds, repeat={"full": 2_000, "quick": 500,
                                                          "smoke": 5}[cfg.mode])  # fmt: skip
    return [
        Row(
            SCENARIO,
            "HTTP API PUT /orders/{order_id}, typed JSON body, bytes → response bytes",
            "µs/request",
            per_call(samples, 1e6),
            _ratios(samples),
            (Target(VS_FLOOR, "<=", 1.5),),
            note="floor: msgspec decodes the request bytes and encodes the answer around the "
            "HTTP floor's route table; lambent: AppTarget.invoke_now in the loop's one "
            "invocation context, what lambent.runtime's loop-free loop calls",
        )
    ]


#: the managed runtime's start, for both sides: the wrapper when one is set, else the
#: runtime client itself (``-c``: the local Lambda asking the interpreter's version)
MANAGED_BOOTSTRAP = """#!/bin/sh
if [ "$1" = "-c" ]; then exec {python} "$@"; fi
if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  exec "$AWS_LAMBDA_EXEC_WRAPPER" {python} /var/runtime/bootstrap.py
fi
exec {python} -m awslambdaric "$_HANDLER"
"""


def _first_response_ms(url: str, name: str, payload: bytes) -> float:
    request = urllib.request.Request(
        f"{url}/2015-03-31/functions/{name}/invocations", data=payload, method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        if answer.headers.get("X-Amz-Function-Error"):
            raise AssertionError(f"{name} failed: {answer.read()[:300]!r}")
        answer.read()
    return (time.perf_counter() - started) * 1000


def run_cold(cfg: Config) -> list[Row]:
    """Process start to first response posted: the wrapper path against awslambdaric."""
    import statistics

    from lambent._layer.wrapper import SCRIPT
    from lambent._local.launch import python_version
    from lambent._local.model import FunctionConfig
    from lambent._local.server import LocalLambda, ServerThread
    from lambent.testing import http_request

    progress(f"{SCENARIO}: cold start, wrapper path against awslambdaric")
    rounds = cfg.cold_rounds
    folder = Path(tempfile.mkdtemp(prefix="lambent-bench-wrapper-"))
    wrapper = folder / "lambent-wrapper"
    wrapper.write_text(SCRIPT)
    managed = folder / "managed-python"
    managed.write_text(MANAGED_BOOTSTRAP.format(python=sys.executable))
    for script in (wrapper, managed):
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    target = "benchmarks.apps.cold_http_lambent:handler"
    path = os.pathsep.join([os.getcwd(), *sys.path[1:]])
    # both sides run from bytecode, as the cold-start scenario does and a layer built with
    # --compile ships it (an empty PYTHONDONTWRITEBYTECODE lets Python write it; the
    # unmeasured first start of each side does)
    env = {"PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": ""}
    configs = []
    for r in ("warm", *range(rounds)):
        configs.append(FunctionConfig(name=f"ric{r}", target=target, mode="awslambdaric",
                                      timeout=60.0, python=str(managed), environment=env))  # fmt: skip
        configs.append(
            FunctionConfig(name=f"wrapper{r}", target=target, mode="awslambdaric", timeout=60.0,
                           python=str(managed),
                           environment={**env, "AWS_LAMBDA_EXEC_WRAPPER": str(wrapper)})
        )  # fmt: skip
    from benchmarks.apps.routes import ORDER_PATH

    event = http_request("GET", "/orders/ord-1", source="apigw-rest", route=ORDER_PATH, seed=1)
    payload = json.dumps(event).encode()
    python_version(str(managed))  # asked once per interpreter: not part of either start
    times: dict[str, list[float]] = {"lambent": [], "ric": []}
    with ServerThread(LocalLambda(configs, shutdown_timeout=10.0)) as url:
        for name in ("ricwarm", "wrapperwarm"):
            _first_response_ms(url, name, payload)
        for r in range(rounds):
            order = [("ric", f"ric{r}"), ("lambent", f"wrapper{r}")]
            for label, name in order if r % 2 == 0 else order[::-1]:
                times[label].append(_first_response_ms(url, name, payload))
    ratio = statistics.median(a / b for a, b in zip(times["ric"], times["lambent"], strict=True))
    return [
        Row(
            SCENARIO,
            "cold start: process start → first response posted (HTTP app, via lambent serve)",
            "ms",
            {
                "lambent": statistics.median(times["lambent"]),
                "ric": statistics.median(times["ric"]),
            },
            {RIC_VS_RUNTIME: ratio},
            (Target(RIC_VS_RUNTIME, ">=", 1.0),),
            note=f"{rounds} fresh processes each, both started as the managed runtime starts "
            "them (a sh bootstrap); lambent column: then the layer's lambent-wrapper (sh), then "
            "lambent.runtime's main (python -c); ric column: then python -m awslambdaric; both "
            "from cached bytecode, as a layer built with --compile ships it (one unmeasured "
            "start of each side first)",
            fmt="{:,.1f}",
        )
    ]


def run(cfg: Config) -> list[Row]:
    return [*run_sqs(cfg), *run_http(cfg), *run_cold(cfg)]
