"""Scenario 5: HTTP routing, twenty routes, API Gateway REST and HTTP API events."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from benchmarks._measure import (
    PT_VS_LAMBENT,
    VS_FLOOR,
    Config,
    Row,
    Target,
    alternate,
    progress,
    ratios,
    unavailable,
)

SCENARIO = "HTTP routing"
if TYPE_CHECKING:
    from lambent.testing.events.http import HttpSource

SOURCES: tuple[HttpSource, ...] = ("apigw-rest", "apigw-http")


def _events(source: HttpSource, n: int) -> list[dict[str, Any]]:
    from lambent.testing import http_request

    return [
        http_request(
            "GET", f"/orders/ord-{i:08d}", source=source, route="/orders/{order_id}", seed=i
        )
        for i in range(min(n, 100))  # a hundred distinct requests, replayed
    ]


def _lambent(source: HttpSource, events: list[dict[str, Any]]) -> Callable[[], Any] | str:
    """The lambent runner, or why it cannot run yet."""
    from benchmarks.apps import lambent_apps
    from lambent.testing import FakeContext

    ctx = FakeContext(timeout=900)
    try:
        app = lambent_apps.http_app()
        response = app.handler(events[0], ctx)
    except Exception as exc:  # the router may not exist yet
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
    problem = _wrong(response, events[0])
    if problem:
        return problem

    def run() -> None:
        for event in events:
            app.handler(event, ctx)

    return run


def _replay(handler: Callable[[Any, Any], Any], events: list[dict[str, Any]], ctx: Any) -> None:
    for event in events:
        handler(event, ctx)


def _wrong(response: Any, event: dict[str, Any]) -> str | None:
    if not isinstance(response, dict) or response.get("statusCode") != 200:
        return f"unexpected response {str(response)[:120]}"
    order_id = event["pathParameters"]["order_id"]
    if json.loads(response["body"]).get("order_id") != order_id:
        return f"unexpected body {response['body'][:120]!r}"
    return None


def run(cfg: Config) -> list[Row]:
    from benchmarks.apps import floor_apps
    from lambent.testing import FakeContext

    ctx = FakeContext(timeout=900)
    rows: list[Row] = []
    n = cfg.http_requests
    for source in SOURCES:
        progress(f"{SCENARIO}: {n:,} {source} events to GET /orders/{{order_id}}")
        events = _events(source, n)
        lambent = _lambent(source, events)
        if isinstance(lambent, str):
            rows.append(unavailable(f"{SCENARIO} ({source})", lambent))
            continue
        floor = floor_apps.http_floor(source)
        impls: dict[str, Callable[[], Any]] = {
            "lambent": lambent,
            "floor": partial(_replay, floor, events, ctx),
        }
        if cfg.powertools:
            from benchmarks.apps import powertools_apps

            powertools = powertools_apps.http_app(source)
            problem = _wrong(powertools(events[0], ctx), events[0])
            if problem:
                raise AssertionError(f"Powertools: {problem}")
            impls["powertools"] = partial(_replay, powertools, events, ctx)
        if _wrong(floor(events[0], ctx), events[0]):
            raise AssertionError("the floor's response is wrong")
        samples = alternate(impls, rounds=cfg.rounds, repeat=max(1, n // len(events)))
        per = {name: samples.median(name) / len(events) * 1e6 for name in impls}
        rows.append(
            Row(
                SCENARIO,
                f"{source}: {n:,} requests, 20 routes",
                "µs/request",
                {
                    "lambent": per["lambent"],
                    "floor": per["floor"],
                    "powertools": per.get("powertools"),
                },
                ratios(samples, powertools=cfg.powertools),
                (Target(VS_FLOOR, "<=", 1.7), Target(PT_VS_LAMBENT, ">=", 3.0)),
                note="floor: a dict lookup on API Gateway's matched route, json.dumps",
            )
        )
    return rows
