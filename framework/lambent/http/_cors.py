"""CORS: preflight answers and the headers of actual cross-origin responses.

Configure once with ``app.configure_http(cors=CORS(...))``. A preflight is an ``OPTIONS``
request carrying ``Origin`` and ``Access-Control-Request-Method`` to a path that has
routes; it is answered ``204`` with the ``Access-Control-Allow-*`` headers when the origin,
the method and every requested header are allowed, and ``403`` (naming what was refused)
otherwise. Other requests with an allowed ``Origin`` get ``Access-Control-Allow-Origin``
(and credentials / expose headers) added to whatever the handler answered, errors included.

(API Gateway HTTP APIs can answer CORS themselves when configured to; then these
preflights never reach the function.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lambent._errors import ConfigurationError
from lambent.http._response import Response, error_response
from lambent.http._views import Headers

__all__ = ["CORS"]

#: request headers a browser never asks permission for
_SAFELISTED = frozenset({"accept", "accept-language", "content-language", "content-type"})


@dataclass(frozen=True, slots=True)
class CORS:
    """Cross-origin policy.

    ``allow_origins``: exact origins, ``"*"``, or patterns like ``"https://*.example.com"``;
    ``allow_methods``: ``("*",)`` allows each path's own methods; ``allow_headers``:
    request headers a client may send (``"*"`` allows any); ``expose_headers``: response
    headers scripts may read; ``allow_credentials``: cookies and auth allowed (the origin is
    then echoed instead of ``*``); ``max_age``: seconds a preflight answer may be cached.
    """

    allow_origins: Sequence[str] = ("*",)
    allow_methods: Sequence[str] = ("*",)
    allow_headers: Sequence[str] = ()
    expose_headers: Sequence[str] = ()
    allow_credentials: bool = False
    max_age: int | None = 600
    _exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _any_origin: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("allow_origins", "allow_methods", "allow_headers", "expose_headers"):
            if isinstance(getattr(self, name), str):
                raise ConfigurationError(f"CORS {name} must be a list of strings, not one string")
        if self.max_age is not None and self.max_age < 0:
            raise ConfigurationError(f"CORS max_age must be >= 0, not {self.max_age}")
        exact = {o for o in self.allow_origins if "*" not in o}
        patterns = tuple(
            re.compile("^" + re.escape(o).replace(r"\*", "[^/]*") + "$")
            for o in self.allow_origins
            if "*" in o and o != "*"
        )
        object.__setattr__(self, "_exact", frozenset(exact))
        object.__setattr__(self, "_patterns", patterns)
        object.__setattr__(self, "_any_origin", "*" in self.allow_origins)

    def origin_allowed(self, origin: str) -> bool:
        return (
            self._any_origin
            or origin in self._exact
            or any(p.match(origin) for p in self._patterns)
        )

    def _origin_headers(self, response: Response, origin: str) -> None:
        headers = response.headers
        if self._any_origin and not self.allow_credentials:
            headers["Access-Control-Allow-Origin"] = "*"
        else:
            headers["Access-Control-Allow-Origin"] = origin
            vary = headers.get("vary")
            if vary is None:
                headers["Vary"] = "Origin"
            elif "origin" not in vary.lower():
                headers["Vary"] = f"{vary}, Origin"
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"

    def preflight(self, headers: Headers, allow: str) -> Response:
        """The answer to a preflight for a path whose methods are ``allow``."""
        origin = headers.get("origin", "")
        if not self.origin_allowed(origin):
            return error_response(403, f"CORS: origin {origin!r} is not allowed")
        method = headers.get("access-control-request-method", "").upper()
        methods = (
            [m.strip() for m in allow.split(",")]
            if "*" in self.allow_methods
            else [m.upper() for m in self.allow_methods]
        )
        if method not in methods:
            return error_response(403, f"CORS: method {method!r} is not allowed")
        requested = [
            h.strip()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        ]
        if "*" not in self.allow_headers:
            allowed = _SAFELISTED | {h.lower() for h in self.allow_headers}
            refused = [h for h in requested if h.lower() not in allowed]
            if refused:
                return error_response(403, f"CORS: headers {', '.join(refused)} are not allowed")
        response = Response(status=204)
        self._origin_headers(response, origin)
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        if requested:
            response.headers["Access-Control-Allow-Headers"] = ", ".join(requested)
        if self.max_age is not None:
            response.headers["Access-Control-Max-Age"] = str(self.max_age)
        return response

    def apply(self, response: Response, origin: str) -> None:
        """Add the CORS headers of an actual (non-preflight) response to ``origin``."""
        if not self.origin_allowed(origin):
            return
        self._origin_headers(response, origin)
        if self.expose_headers:
            response.headers["Access-Control-Expose-Headers"] = ", ".join(self.expose_headers)
