"""The HTTP server of ``lambent dev``: every request through the app, as its source would.

aiohttp (already what the local Lambda speaks HTTP with, in the ``local`` extra) serves
a catch-all route on a listening socket it is given; each request becomes an event
(:func:`.front.build_event`), runs through the app in this process but never on the
server's event loop (:mod:`lambent._local.environment`: ``app.handler`` in a worker
thread when the app needs no loop, ``app.dispatch`` on the app's own loop otherwise),
and its result becomes the answer (:func:`.front.answer`). So a handler that blocks
holds neither the other requests of an app of plain handlers nor the timeout, which is
answered on time. One access log line per request goes to ``output``.

When the source's front end streams (:data:`.front.STREAMS`), the app is asked for a
streamed answer the way ``lambent.runtime`` asks (:data:`~lambent.http._streaming.STREAMING`);
a route that streams then gives a :class:`~lambent.http._streaming.Streamed`, whose prelude
becomes the status and headers and whose chunks are written as they come (chunked
transfer). A failure mid-stream ends the connection without the final chunk.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import time
import traceback
from collections.abc import AsyncIterator
from typing import Any, TextIO

import anyio
import msgspec
from aiohttp import web

from lambent._dev import front
from lambent._errors import ConfigurationError
from lambent._lifespans import StartupFailed, report
from lambent._local.bad_requests import QuietRunner
from lambent._local.contain import handler_scope, original
from lambent._local.environment import CLOSE_WAIT, Environment
from lambent.http._streaming import STREAMING, Streamed
from lambent.testing import FakeContext, TestClient

#: the largest request body read (Lambda's 6 MB; the event's own size is checked after)
MAX_BODY = 6 * 1024 * 1024
#: requests an app of plain handlers runs at once (each in a worker thread); more wait
THREADS = 10


class DevApp:
    """Runs one app behind one source's front end (``name``: how lines name the app, as
    the command line did)."""

    def __init__(
        self,
        app: Any,
        source: str,
        *,
        timeout: float = 30.0,
        output: TextIO | None = None,
        openapi: bool = False,
        name: str = "the app",
    ) -> None:
        #: serve the app's OpenAPI document (``/openapi.json``) and a page for it (``/docs``)
        self.openapi = openapi
        if source not in front.SOURCES:
            raise ValueError(f"unknown source {source!r}; use one of {', '.join(front.SOURCES)}")
        self.app = app
        self.source = source
        self.client = TestClient(app, source=source)
        limited = front.time_limited(source)
        self.timeout = min(timeout, front.APIGW_TIMEOUT) if limited else timeout
        self.output = output or sys.stderr
        #: the app's lifespan failed on its way out (said on ``output``; exit status 1)
        self.failed_at_shutdown = False
        try:
            self._env = Environment(app, name, concurrency=THREADS)
        except ConfigurationError:
            raise ValueError("the app has neither dispatch() nor handler()") from None

    async def run(self, event: dict[str, Any]) -> front.Answer | Streaming:
        """Invoke the app on ``event`` and answer as the front end would."""
        context = FakeContext(timeout=self.timeout, function_name="lambent-dev")
        result: Any = None
        done = False
        deadline = anyio.current_time() + self.timeout
        token = STREAMING.set(self.source in front.STREAMS)
        try:
            with anyio.move_on_after(self.timeout):
                result = await self._invoke(event, context)
                done = True
        except StartupFailed as exc:  # Init failed: this request fails, the next retries it
            self.output.write(report("lambent dev", "startup", exc.error))
            self.output.flush()
            return front.failure(self.source, "error")
        except Exception as exc:  # the function failed: the service hides the details
            self._trace(original(exc))
            return front.failure(self.source, "error")
        finally:
            STREAMING.reset(token)
        if isinstance(result, Streamed):
            return Streaming(front.answer(self.source, result.prelude), result.body, deadline)
        if not done:
            hint = await self._held()
            self.say(f"the function did not answer within {self.timeout:g}s{hint}")
            return front.failure(self.source, "timeout")
        size, limit = _json_size(result), front.result_limit(self.source)
        if size > limit:  # Lambda: Function.ResponseSizeTooLarge, a failed function
            self.say(f"the function's result is {size} bytes of JSON, over the {limit} allowed")
            return front.failure(self.source, "error")
        return front.answer(self.source, result)

    async def _invoke(self, event: dict[str, Any], context: FakeContext) -> Any:
        if self._env.dispatch is not None:
            return await self._env.on_loop(self._dispatch, event, context)
        return await self._env.in_thread(_call, self._env.sync, event, context)

    async def _dispatch(self, event: dict[str, Any], context: FakeContext) -> Any:
        """One invocation of an app that awaits, on its own loop."""
        assert self._env.dispatch is not None
        with handler_scope():
            try:
                return await self._env.dispatch(event, context)
            except anyio.get_cancelled_exc_class():
                raise
            except BaseException as exc:  # SystemExit too: an error, not the server's end
                raise _Failed() from original(exc)

    async def _held(self) -> str:
        """A hint when a plain handler holds the app's loop (its other requests wait)."""
        if not await self._env.held():
            return ""
        return (
            "; a plain handler is blocking the app's event loop (its other requests wait):"
            " threaded=True on its route runs it in a worker thread"
        )

    async def aclose(self) -> None:
        """Leave the app's lifespan (once) and stop its own loop, if it has one."""
        failed = await self._env.aclose()
        if failed is not None:
            self.failed_at_shutdown = True
            self.output.write(report("lambent dev", "shutdown", failed))
            self.output.flush()

    def _trace(self, exc: BaseException) -> None:
        shown = exc.__cause__ if isinstance(exc, _Failed) and exc.__cause__ else exc
        text = "".join(traceback.format_exception(shown))
        self.output.write(text)
        self.output.flush()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        body = await request.read()
        peer = (
            (request.transport.get_extra_info("peername") or ("127.0.0.1",))[0]
            if request.transport
            else "127.0.0.1"
        )
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers]
        event = front.build_event(
            self.client,
            method=request.method,
            raw_path=request.raw_path,
            headers=headers,
            body=body,
            peer=str(peer),
            port=int(sock[1]) if sock else 0,
        )
        reason = front.too_large(self.source, len(body), _json_size(event))
        if reason is not None:  # the service or Lambda refuses it; the function never runs
            self.say(reason)
            result: front.Answer | Streaming = front.refused(reason)
        else:
            result = await self.run(event)
        response: web.StreamResponse
        if isinstance(result, Streaming):
            head = result.head
            response = web.StreamResponse(status=head.status)
            response.enable_chunked_encoding()
        else:
            head = result
            response = web.Response(status=head.status, body=head.body)
        for name, value in head.headers:
            response.headers.add(name, value)
        size, ended = len(head.body), ""
        if isinstance(result, Streaming):
            await response.prepare(request)
            size, ended = await self._pump(result, response)
            if ended and request.transport is not None:
                request.transport.close()  # no final chunk: the client sees a cut answer
        ms = (time.perf_counter() - started) * 1000
        self.say(
            f'{peer} "{request.method} {request.raw_path} HTTP/{request.version.major}.'
            f'{request.version.minor}" {head.status} {size}B {ms:.1f}ms{ended}'
        )
        return response

    async def _pump(self, result: Streaming, response: web.StreamResponse) -> tuple[int, str]:
        """Write the chunks as they come: the bytes sent, and why it ended early, if it did."""
        size = 0
        try:
            with anyio.move_on_after(result.deadline - anyio.current_time()):
                while True:
                    try:
                        chunk = await self._env.on_loop(_next, result.body)
                    except StopAsyncIteration:
                        return size, ""
                    except anyio.get_cancelled_exc_class():
                        raise
                    except BaseException as exc:  # the handler's, SystemExit too
                        self._trace(original(exc))
                        return size, " (failed mid-stream)"
                    if chunk:
                        await response.write(chunk)
                        size += len(chunk)
        finally:
            # a client gone or a timeout: the generator ends now (on its loop, once the
            # cancelled step has let go of it; not waiting on a loop a handler holds)
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_WAIT):
                await self._env.on_loop(_close, result.body)
        self.say(f"the function did not finish streaming within {self.timeout:g}s")
        return size, " (timed out mid-stream)"

    def say(self, message: str) -> None:
        self.output.write(f"lambent dev: {message}\n")
        self.output.flush()


class Streaming:
    """A streamed answer: its status and headers, the chunks, and when the function's time
    is up (the timeout covers the streaming too)."""

    __slots__ = ("body", "deadline", "head")

    def __init__(self, head: front.Answer, body: AsyncIterator[bytes], deadline: float) -> None:
        self.head = head
        self.body = body
        self.deadline = deadline


class _Failed(Exception):
    """A handler's ``BaseException``, carried as an ordinary exception (its ``__cause__``)."""


async def _next(body: AsyncIterator[bytes]) -> bytes:
    with handler_scope():
        return await anext(body)


async def _close(body: AsyncIterator[bytes]) -> None:
    aclose = getattr(body, "aclose", None)
    if aclose is None:
        return
    with contextlib.suppress(RuntimeError):  # still running: its cancelled step ends it
        await aclose()


def _json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON (0 when it is none: the front end answers that itself)."""
    try:
        return len(msgspec.json.encode(value))
    except (TypeError, msgspec.EncodeError):
        return 0


def _call(handler: Any, event: Any, context: Any) -> Any:
    try:
        return handler(event, context)
    except BaseException as exc:
        if isinstance(exc, Exception):
            raise
        raise _Failed() from exc


def build_app(dev: DevApp) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    if dev.openapi:
        from lambent.openapi import docs_page, document

        async def openapi(request: web.Request) -> web.Response:
            return web.json_response(document(dev.app))

        async def docs(request: web.Request) -> web.Response:
            return web.Response(text=docs_page("/openapi.json"), content_type="text/html")

        app.router.add_get("/openapi.json", openapi)
        app.router.add_get("/docs", docs)
    app.router.add_route("*", "/{tail:.*}", dev.handle)
    return app


async def serve(
    dev: DevApp,
    sock: socket.socket,
    *,
    task_status: anyio.abc.TaskStatus[str] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve on ``sock`` until cancelled; ``task_status`` gets the URL once listening."""
    runner = QuietRunner(build_app(dev), dev.say)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        task_status.started(f"http://{shown}:{port}")
        await anyio.sleep_forever()
    finally:
        with anyio.CancelScope(shield=True):
            await runner.cleanup()
            await dev.aclose()
