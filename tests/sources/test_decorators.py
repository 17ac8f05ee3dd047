"""The decorators sources contribute (lambent.sources._decorators): each is a typed front
for ``app.on(kind, filters=...)``, forwarding its filters and options unchanged, and an
App's route from it is the route ``app.on`` makes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from lambent import App
from lambent.sources._decorators import SourceRoutes


class Recorded(SourceRoutes):
    """SourceRoutes whose ``on`` records what it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def on(self, kind: str, **options: Any) -> Callable[[Any], Any]:
        self.calls.append((kind, options))
        return lambda fn: fn


def key(payload: Any) -> str:
    return str(payload)


CASES: list[tuple[Callable[[SourceRoutes], Any], str, Mapping[str, Any]]] = [
    (lambda r: r.cognito("PreSignUp", idempotency_key=key), "cognito",
     {"filters": {"trigger": "PreSignUp"}, "threaded": False, "idempotency_key": key}),
    (lambda r: r.appsync("Query", "order*", concurrency=3), "appsync",
     {"filters": {"type_name": "Query", "field_name": "order*"}, "concurrency": 3,
      "threaded": False, "idempotency_key": None}),
    (lambda r: r.custom_resource("Custom::Bucket", idempotent=True), "cloudformation",
     {"filters": {"resource_type": "Custom::Bucket"}, "idempotent": True,
      "idempotency_key": None}),
    (lambda r: r.s3_batch(treat_missing_keys_as="TemporaryFailure", idempotent=True), "s3-batch",
     {"filters": {"treat_missing_keys_as": "TemporaryFailure"}, "concurrency": None,
      "threaded": False, "idempotent": True, "idempotency_key": None}),
    (lambda r: r.bedrock_agent(api_path="/orders/{id}", http_method="GET"), "bedrock-agent",
     {"filters": {"api_path": "/orders/{id}", "function": None, "http_method": "GET"},
      "threaded": False, "idempotency_key": None}),
]  # fmt: skip


@pytest.mark.parametrize(("call", "kind", "expected"), CASES)
def test_each_decorator_forwards_its_filters_and_options_to_on(
    call: Callable[[SourceRoutes], Any], kind: str, expected: Mapping[str, Any]
) -> None:
    routes = Recorded()
    call(routes)
    ((got_kind, options),) = routes.calls
    assert got_kind == kind
    assert {k: options[k] for k in expected} == dict(expected)


def test_the_route_a_decorator_makes_is_the_route_on_makes() -> None:
    def resolve(arguments: dict[str, Any]) -> dict[str, Any]:
        return arguments

    by_decorator, by_on = App(), App()
    assert by_decorator.appsync("Query", "getOrder")(resolve) is resolve
    by_on.on("appsync", filters={"type_name": "Query", "field_name": "getOrder"})(resolve)
    ((a,), (b,)) = (list(by_decorator.routes), list(by_on.routes))
    assert (a.kind, a.filters) == (b.kind, b.filters) == ("appsync", a.filters)
    assert dict(a.filters) == {"type_name": "Query", "field_name": "getOrder"}
