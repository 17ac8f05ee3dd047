"""lambent: the HTTP-only ten-route app with plain handlers."""

from benchmarks.apps.lambent_apps import http_app
from benchmarks.apps.routes import COLD_ROUTES

handler = http_app(COLD_ROUTES, typed=False).handler
