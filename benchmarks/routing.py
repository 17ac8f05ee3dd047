"""Scenario 5: HTTP routing, twenty routes, API Gateway REST and HTTP API (2.0) events.

Two routes are measured on each source: ``GET /orders/{order_id}`` (a path
parameter only) and ``PUT /orders/{order_id}`` (a path parameter and a typed JSON
order, answered with a summary Struct). Every side registers the same twenty
routes; what each does for the typed body is in its app module's docstring.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from benchmarks._logs import lines_logged, logged
from benchmarks._measure import (
    CHALICE_VS_LAMBENT,
    MANGUM_VS_LAMBENT,
    PT_VS_LAMBENT,
    VS_FLOOR,
    Config,
    Row,
    Samples,
    Target,
    alternate,
    per_call,
    progress,
    ratios,
)

SCENARIO = "HTTP routing"
if TYPE_CHECKING:
    from lambent.testing.events.http import HttpSource

SOURCES: tuple[HttpSource, ...] = ("apigw-http", "apigw-rest")
DISTINCT = 100  # distinct requests, replayed
VALIDATED = "powertools enable_validation"  # measured beside, in a row of its own
PEER_TARGETS = (
    Target(PT_VS_LAMBENT, ">=", 4.0),
    Target(MANGUM_VS_LAMBENT, ">=", 6.0),
    Target(CHALICE_VS_LAMBENT, ">=", 4.0),
)
NOTE = (
    "floor: a dict lookup on API Gateway's matched route, msgspec decodes the body and "
    "encodes the answer; Powertools: the handler validates the body with its pydantic model; "
    "Mangum+Starlette and Chalice: no typed bodies, their handlers decode with msgspec"
)

Handler = Callable[[Any, Any], Any]


def _events(source: HttpSource, method: str, n: int) -> list[dict[str, Any]]:
    from benchmarks.apps.orders import order_body
    from lambent.testing import http_request

    make = partial(http_request, source=source, route="/orders/{order_id}")
    if method == "PUT":
        return [
            make("PUT", f"/orders/ord-{i:08d}", json=order_body(i, failing=False), seed=i)
            for i in range(min(n, DISTINCT))
        ]
    return [make("GET", f"/orders/ord-{i:08d}", seed=i) for i in range(min(n, DISTINCT))]


def _wrong(response: Any, event: dict[str, Any]) -> str | None:
    if not isinstance(response, dict) or response.get("statusCode") != 200:
        return f"unexpected response {str(response)[:160]}"
    order_id = event["pathParameters"]["order_id"]
    body = json.loads(response["body"])
    method = event.get("httpMethod") or event["routeKey"].split()[0]
    want = "updated" if method == "PUT" else "shipped"
    if body.get("order_id") != order_id or body.get("status") != want:
        return f"unexpected body {response['body'][:160]!r}"
    return None


def _replay(handler: Handler, events: list[dict[str, Any]], ctx: Any) -> None:
    for event in events:
        handler(event, ctx)


def _handlers(cfg: Config, source: HttpSource) -> dict[str, Handler]:
    from benchmarks.apps import floor_apps, lambent_apps

    handlers: dict[str, Handler] = {
        "lambent": lambent_apps.http_app().handler,
        "floor": floor_apps.http_floor(source),
    }
    if cfg.has("powertools"):
        from benchmarks.apps import powertools_http

        handlers["powertools"] = powertools_http.http_app(source)
        handlers[VALIDATED] = powertools_http.http_app(source, validation=True)
    if cfg.has("mangum"):
        from benchmarks.apps import starlette_apps

        handlers["mangum"] = starlette_apps.http_app()
    if cfg.has("chalice") and source == "apigw-rest":  # Chalice serves REST events only
        from benchmarks.apps import chalice_apps

        handlers["chalice"] = chalice_apps.http_app()
    return handlers


def _validated(samples: Samples, source: str, method: str, n: int) -> Row:
    """The same run's Powertools with its built-in data validation, against lambent."""
    return Row(
        SCENARIO,
        f"  same, Powertools with enable_validation=True ({source} {method})",
        "µs/request",
        {"lambent": samples.median("lambent") * 1e6 / n,
         "powertools": samples.median(VALIDATED) * 1e6 / n},
        {PT_VS_LAMBENT: samples.ratio(VALIDATED, "lambent")},
        note="Powertools column: its data validation on (pydantic validates the parameters, "
        "the body into the model parameter, and the returned model)",
    )  # fmt: skip


def run(cfg: Config) -> list[Row]:
    from lambent.testing import FakeContext

    ctx = FakeContext(timeout=900)
    rows: list[Row] = []
    n = cfg.http_requests
    for source in SOURCES:
        handlers = _handlers(cfg, source)
        for method, what, limit in (("PUT", "typed JSON body", 2.0), ("GET", "path only", 1.7)):
            progress(f"{SCENARIO}: {n:,} {source} events to {method} /orders/{{order_id}}")
            events = _events(source, method, n)
            for name, handler in handlers.items():
                problem = _wrong(handler(events[0], ctx), events[0])
                if problem:
                    raise AssertionError(f"{name}: {problem}")
            impls = {name: partial(_replay, h, events, ctx) for name, h in handlers.items()}
            logs = {name: lines_logged(partial(h, events[0], ctx)) for name, h in handlers.items()}
            samples = alternate(impls, rounds=cfg.rounds, repeat=max(1, n // len(events)))
            chalice = "" if "chalice" in handlers else "; Chalice: REST events only"
            rows.append(
                Row(
                    SCENARIO,
                    f"{source}: {method} /orders/{{order_id}}, {what}, 20 routes",
                    "µs/request",
                    per_call(samples, 1e6 / len(events)),
                    ratios(samples),
                    (Target(VS_FLOOR, "<=", limit), *PEER_TARGETS),
                    note=f"{n:,} requests a sample; {NOTE}{chalice}; {logged(logs)}",
                )
            )
            if VALIDATED in samples.times:
                rows.append(_validated(samples, source, method, len(events)))
    return rows
