"""The catalog app: its own routes and middleware, and the item router under /v1.

``lambent openapi examples.catalog.app:app`` writes its OpenAPI document.
"""

from __future__ import annotations

from examples.catalog import items
from lambent import App
from lambent.http import CallNext, Request, Response

app = App(name="catalog")


@app.middleware
async def served_by(request: Request, call_next: CallNext) -> Response:
    response = await call_next(request)
    response.headers["X-Served-By"] = "catalog"
    return response


@app.get("/health")
def health() -> str:
    """Liveness check."""
    return "ok"


app.include(items.router, prefix="/v1")
handler = app.handler
