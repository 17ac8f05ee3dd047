"""Fifty HTTP routes on one App (importing this module is the cold start)."""

from __future__ import annotations

from benchmarks.apps.grown import ROUTERS, add_routes
from lambent import App

app = App()
for _group in range(ROUTERS):
    add_routes(app, _group, prefix="/api")
handler = app.handler
