"""Chalice: the HTTP-only ten routes (the app object is the handler)."""

from benchmarks.apps.chalice_apps import http_app
from benchmarks.apps.routes import COLD_ROUTES

handler = http_app(COLD_ROUTES, typed=False)
