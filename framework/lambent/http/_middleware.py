"""HTTP middleware: ``async def mw(request, call_next) -> Response``.

A middleware reads the request, calls ``await call_next(request)`` for the response of
everything inside it (the next middleware, at the end the route), and returns that
response, changed or not, or answers itself without calling ``call_next``. App
middleware wraps every request, 404 and 405 answers included; a router's wraps the
routes it holds, inside the app's. The first registered is the outermost.

``call_next`` always returns a :class:`Response`: what a handler raises is answered
(exception handlers, ``HTTPException``, else a 500) before it gets back, and is logged
there once. What a middleware itself raises goes out through the middleware around it
and is answered the same way at the top.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence

from lambent._errors import ConfigurationError
from lambent._inject import qualname
from lambent.http._request import Request
from lambent.http._response import Response, to_response

__all__ = ["CallNext", "Middleware", "check_middleware", "compose"]

CallNext = Callable[[Request], Awaitable[Response]]
Middleware = Callable[[Request, CallNext], Awaitable[Response]]


def check_middleware(fn: Callable[..., object]) -> None:
    """Refuse what cannot be a middleware, at registration."""
    if isinstance(fn, str):  # FastAPI's ``@app.middleware("http")``
        raise ConfigurationError(
            f"@app.middleware takes the middleware itself: write @app.middleware, not "
            f"@app.middleware({fn!r}) (it wraps every HTTP request)"
        )
    if not inspect.iscoroutinefunction(fn):
        raise ConfigurationError(
            f"middleware {qualname(fn)} must be an `async def mw(request, call_next)`"
        )
    try:
        inspect.signature(fn).bind(None, None)
    except TypeError:
        raise ConfigurationError(
            f"middleware {qualname(fn)} must take two arguments: (request, call_next)"
        ) from None


def compose(middleware: Sequence[Middleware], inner: CallNext) -> CallNext:
    """``inner`` wrapped in ``middleware``, the first outermost."""
    handler = inner
    for mw in reversed(middleware):
        handler = _layer(mw, handler)
    return handler


def _layer(mw: Middleware, call_next: CallNext) -> CallNext:
    async def run(request: Request) -> Response:
        result = await mw(request, call_next)
        # a plain value (a dict, a Struct...) is answered as a handler's would be
        return result if type(result) is Response else to_response(result)

    return run
