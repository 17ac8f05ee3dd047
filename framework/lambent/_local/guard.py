"""What keeps a local Lambda on loopback from being driven by a web page.

A browser lets any site send a "simple" cross-origin POST (``Content-Type: text/plain``,
a form) to ``127.0.0.1``, and DNS rebinding makes a hostile name resolve to it. So the
Invoke API refuses, before anything runs:

* a ``Content-Type`` that is not JSON or binary (what boto3 and aiobotocore send
  passes; ``application/octet-stream`` too): 415
  ``UnsupportedMediaTypeException``;
* an ``Origin`` that is not the server itself, and a ``Host`` that is not the address
  it listens on: 403 ``AccessDeniedException``;
* (in :func:`lambent._local.errors.check_payload`) JSON nested deeper than
  ``MAX_JSON_DEPTH``: 400 ``InvalidRequestContentException``.

Listening on a non-loopback address is refused unless asked for explicitly
(:func:`check_bind`), and then any ``Host`` is accepted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from lambent._errors import ConfigurationError
from lambent._local import errors

_ACCEPTED_TYPES = frozenset(
    {"application/json", "application/octet-stream", "binary/octet-stream", "text/json"}
)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    if host.strip("[]") in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool) -> bool:
    """Raise unless ``host`` is loopback or ``allow_remote``; ``True`` when it is remote."""
    if is_loopback(host):
        return False
    if not allow_remote:
        raise ConfigurationError(
            f"{host} is not a loopback address: anyone who reaches it can run your "
            "functions; pass --allow-remote to listen there anyway"
        )
    return True


def json_type(content_type: str | None) -> bool:
    """Whether a request's ``Content-Type`` is one an SDK sends (or absent)."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _ACCEPTED_TYPES or (media.startswith("application/") and "json" in media)


def middleware(hosts: Callable[[], frozenset[str] | None]) -> Any:
    """The Invoke API's guard; ``hosts()`` are the accepted ``Host`` values (``None``: any)."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        allowed = hosts()
        host = request.headers.get("Host", "")
        if allowed is not None and host.lower() not in allowed:
            raise errors.ServiceError(
                403, "AccessDeniedException", f"Host {host!r} is not this local Lambda"
            )
        origin = request.headers.get("Origin")
        if origin is not None and (allowed is None or origin.lower() not in _origins(allowed)):
            raise errors.ServiceError(
                403, "AccessDeniedException", f"cross-origin request from {origin!r} refused"
            )
        if request.method == "POST" and not json_type(request.headers.get("Content-Type")):
            raise errors.ServiceError(
                415,
                "UnsupportedMediaTypeException",
                f"unsupported Content-Type {request.headers['Content-Type']!r}; send JSON",
            )
        return await handler(request)

    return guard


def _origins(hosts: frozenset[str]) -> set[str]:
    return {f"http://{h}" for h in hosts}


def host_values(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers a client reaching ``host:port`` sends."""
    names = {host.lower()}
    if is_loopback(host):
        names |= {"localhost", "127.0.0.1", "[::1]"}
    shown = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    return frozenset(f"{n}:{port}" for n in shown)
