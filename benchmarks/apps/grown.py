"""Apps that grew: one route with a dependency and a middleware (and the same without),
and fifty routes declared on one App or across five routers (importing the module of
either is the cold start)."""

from __future__ import annotations

from typing import Annotated, Any

from benchmarks.apps.routes import order_response
from lambent import App, Depends, Router
from lambent.http import CallNext, Header, Request, Response

ROUTES_PER_ROUTER = 10
ROUTERS = 5


def current_user(x_user: Annotated[str, Header()] = "anonymous") -> str:
    return x_user


async def server_header(request: Request, call_next: CallNext) -> Response:
    response = await call_next(request)
    response.headers["Server"] = "lambent"
    return response


def with_dependency_and_middleware() -> App:
    """``GET /orders/{order_id}`` taking the user from a provider, under one middleware."""
    app = App()
    app.middleware(server_header)

    @app.get("/orders/{order_id}")
    async def get_order(
        order_id: str, user: Annotated[str, Depends(current_user)]
    ) -> dict[str, Any]:
        return order_response(order_id)

    return app


def without() -> App:
    """The same route without them: it reads the user's header itself."""
    app = App()

    @app.get("/orders/{order_id}")
    async def get_order(
        order_id: str, x_user: Annotated[str, Header()] = "anonymous"
    ) -> dict[str, Any]:
        return order_response(order_id)

    return app


def add_routes(target: App | Router, group: int, prefix: str = "") -> None:
    """Ten routes of one resource group, alternately a GET with a path and a query
    parameter and a POST with a body and a dependency."""
    base = f"{prefix}/group{group}"
    for i in range(ROUTES_PER_ROUTER):
        if i % 2 == 0:

            def get_one(item_id: int, verbose: bool = False) -> dict[str, Any]:
                return {"id": item_id, "verbose": verbose}

            target.get(f"{base}/r{i}/{{item_id}}")(get_one)
        else:

            def create(body: dict[str, Any], user: Annotated[str, Depends(current_user)]) -> Any:
                return body

            target.post(f"{base}/r{i}")(create)
