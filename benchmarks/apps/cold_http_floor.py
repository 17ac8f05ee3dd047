"""The floor: the HTTP-only ten routes as a dict lookup and msgspec."""

from benchmarks.apps.floor_apps import http_floor
from benchmarks.apps.routes import COLD_ROUTES

handler = http_floor("apigw-rest", COLD_ROUTES, typed=False)
