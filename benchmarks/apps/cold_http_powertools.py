"""Powertools: the HTTP-only ten routes on ``APIGatewayRestResolver`` (no validation)."""

from benchmarks.apps.powertools_http import http_app
from benchmarks.apps.routes import COLD_ROUTES

handler = http_app("apigw-rest", COLD_ROUTES, typed=False)
