"""Requests aiohttp cannot parse, answered by a short 400 and one line of output.

A malformed request (a header line without a colon, a request line or header over 8 KB,
a method that is not one) never reaches the app: aiohttp's protocol answers it, with its
parser's message as the body (echoing part of the request) and the parser's traceback
logged on stderr. :class:`QuietRunner` serves an aiohttp application as
``web.AppRunner`` does, but answers those requests ``400 Bad Request: <reason>`` in
plain text and says one line (``<peer> bad request: <reason>``) through ``say``; the
connection is closed, as aiohttp closes it. Any other error goes on as aiohttp handles it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

Say = Callable[[str], None]


class QuietRunner(web.AppRunner):
    """A ``web.AppRunner`` whose connections answer malformed requests cleanly."""

    def __init__(self, app: web.Application, say: Say, *, shutdown_timeout: float = 60.0) -> None:
        super().__init__(app, access_log=None, shutdown_timeout=shutdown_timeout)
        self.say = say

    async def _make_server(self) -> web.Server:  # aiohttp's hook for a runner's server
        made = await super()._make_server()
        server = _Server(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
        )
        server.say = self.say
        return server


class _Server(web.Server):
    """Makes one :class:`_Protocol` per connection (aiohttp's makes a ``RequestHandler``)."""

    say: Say  # set by the runner

    def __call__(self) -> web.RequestHandler:
        return _Protocol(self, loop=asyncio.get_running_loop(), access_log=None, say=self.say)


class _Protocol(web.RequestHandler):
    __slots__ = ("_say",)

    def __init__(
        self,
        manager: web.Server,
        *,
        loop: asyncio.AbstractEventLoop,
        access_log: None,
        say: Say,
    ) -> None:
        super().__init__(manager, loop=loop, access_log=access_log)  # type: ignore[arg-type]
        self._say = say

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        reason = _reason(exc)
        self._say(f"{request.remote or 'a client'} bad request: {reason}")
        answer = web.Response(status=status, text=f"Bad Request: {reason}\n")
        answer.force_close()
        return answer


def _reason(exc: HttpProcessingError) -> str:
    """The parser's message, less the request bytes it quotes: ``Invalid header token``,
    ``Got more than 8190 bytes when reading``."""
    first = (exc.message or "").strip().split("\n", 1)[0]
    words = first.split(": ", 1)[0].rstrip(":. ")
    return words[:120] or type(exc).__name__
