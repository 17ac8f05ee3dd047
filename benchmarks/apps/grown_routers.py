"""The same fifty HTTP routes, declared on five routers and included (the cold start)."""

from __future__ import annotations

from benchmarks.apps.grown import ROUTERS, add_routes
from lambent import App, Router

app = App()
for _group in range(ROUTERS):
    _router = Router(tags=[f"group{_group}"])
    add_routes(_router, _group)
    app.include(_router, prefix="/api")
handler = app.handler
