"""Mangum+Starlette: the HTTP-only ten routes."""

from benchmarks.apps.routes import COLD_ROUTES
from benchmarks.apps.starlette_apps import http_app

handler = http_app(COLD_ROUTES, typed=False)
