"""What one invocation runs: invocation bytes in, response bytes out.

An :class:`AppTarget` serves a lambent ``App`` (named by its ``handler`` attribute, or
the app itself): the app is frozen and its lifespan entered once, at init, and every
invocation runs on the loop's own event loop. A :class:`FunctionTarget` serves a plain
``module.function`` handler that takes a dict, exactly as awslambdaric calls it; with
more than one concurrent invocation a plain ``def`` runs in a worker thread.

Payloads are decoded with msgspec (``json.loads`` is kept only for what msgspec
refuses and the standard library reads, such as integers beyond 64 bits); results are
encoded with msgspec. Bad bytes raise ``Runtime.UnmarshalError`` naming what is wrong.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import msgspec

from lambent._fast import FAST
from lambent._pydantic import model_value
from lambent._runtime import run_loop_free
from lambent.runtime._faults import Fault

_ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=model_value)
JSON = "application/json"


class Invoker(Protocol):
    """What one invocation is run with (all that :func:`run_invocation` asks)."""

    async def invoke(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        """Run one invocation; returns the response (bytes, or chunks to stream) and its
        content type."""
        ...


class Target(Invoker, Protocol):
    """A handler the loop can run."""

    def running(self) -> Any:
        """An async context manager: the Init phase's work, left at shutdown."""
        ...

    def start_sync(self) -> bool:
        """Init without an event loop, when every invocation runs straight through: True
        if so (the invocations are then stepped without a loop)."""
        ...

    def stop_sync(self) -> None:
        """Leave what :meth:`start_sync` entered."""
        ...

    def invoke_now(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        """:meth:`invoke` run straight through, without a loop (after :meth:`start_sync`
        said so)."""
        ...


def _preview(body: bytes) -> str:
    shown = body[:40]
    return f"{shown!r}{'...' if len(body) > 40 else ''} ({len(body)} bytes)"


#: the content type of a streamed HTTP response (LAMBDA.md §5.8)
STREAM_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"


async def _streamed(result: Any) -> AsyncIterator[bytes]:
    """The prelude (status, headers, cookies), 8 NUL bytes, then the body as produced."""
    yield msgspec.json.encode(result.prelude) + b"\x00" * 8
    async for chunk in result.body:
        if chunk:
            yield chunk


def _not_json(exc: Exception, body: bytes) -> str:
    return (
        f"Unable to unmarshal input: the invocation payload is not valid JSON ({exc}); "
        f"it starts {_preview(body)}"
    )


def decode_payload(body: bytes) -> Any:
    """The invocation's JSON as Python values; ``Runtime.UnmarshalError`` when it is not JSON."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        import json

        try:
            return json.loads(body)
        except ValueError:
            pass
        raise Fault(Fault.UNMARSHAL_ERROR, _not_json(exc, body)) from None


#: what encoding a result that JSON cannot hold raises (a ``RecursionError`` for one nested
#: past the recursion limit)
_UNENCODABLE = (TypeError, ValueError, OverflowError, RecursionError)


def encode_result(result: Any) -> tuple[bytes, str]:
    """The response bytes: ``bytes`` go as they are (``application/unknown``), the rest as JSON.

    What msgspec cannot encode gets a second chance with the standard library (whose
    error message, when it fails too, is the one awslambdaric reports), and so does a
    result holding a NaN or an infinity, written ``NaN``, ``Infinity`` and ``-Infinity`` as
    awslambdaric writes them (msgspec writes ``null``). A result nested
    deeper than the interpreter's recursion limit is a ``Runtime.MarshalError`` too, as
    under awslambdaric, not a ``RecursionError`` out of the runtime's own frames.
    """
    if isinstance(result, bytes):
        return result, "application/unknown"
    out: bytes | None
    try:
        out = written = _ENCODER.encode(result)
    except _UNENCODABLE:
        out = None
    else:
        # msgspec writes a NaN or an infinity as null, where awslambdaric writes NaN,
        # Infinity and -Infinity: only an answer with a null in it can have had one
        if written.find(b"null") < 0 or not _non_finite(result):  # (find: half of `in`)
            return written, JSON
    import json

    try:
        return json.dumps(result, ensure_ascii=False).encode(), JSON
    except _UNENCODABLE as exc:
        if out is not None:  # a NaN beside what only msgspec writes (a datetime, a Struct)
            return out, JSON
        raise Fault(Fault.MARSHAL_ERROR, f"Unable to marshal response: {exc}") from None


def _non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is among ``value``'s floats, in its dicts, lists and
    tuples (walked without recursion: a result msgspec wrote may be deeper than it)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif isinstance(item, float):
            if item != item or item in _INFINITIES:
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


_INFINITIES = (float("inf"), -float("inf"))


def _event(body: bytes, content_type: str | None) -> Any:
    """A plain handler's event: the payload's JSON, or its bytes when it is not JSON."""
    return decode_payload(body) if content_type in (None, JSON) else body


class FunctionTarget:
    """A plain ``handler(event, context)`` function (or an ``async def`` one)."""

    def __init__(self, function: Any, threaded: bool) -> None:
        self.function = function
        # an instance whose ``__call__`` is ``async def`` is awaited too (its coroutine was
        # a Runtime.MarshalError, never awaited)
        call = inspect.getattr_static(type(function), "__call__", None)
        self.is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)
        self.threaded = threaded and not self.is_async

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        yield

    def start_sync(self) -> bool:
        return not self.is_async and not self.threaded

    def stop_sync(self) -> None:
        pass

    async def invoke(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        event = _event(body, content_type)
        if self.is_async:
            result = await self.function(event, context)
        elif self.threaded:
            import anyio.to_thread

            result = await anyio.to_thread.run_sync(self.function, event, context)
        else:
            result = self.function(event, context)
        return encode_result(result)

    def invoke_now(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        if self.is_async or self.threaded:
            return run_loop_free(self.invoke(body, content_type, context))
        return encode_result(self.function(_event(body, content_type), context))


class AppTarget:
    """A lambent ``App``: decoded, dispatched and answered on the loop's event loop.

    What every invocation needs is looked up once, here: the app's bytes entry point
    and the error it raises for bytes that are not JSON (the app's modules are loaded:
    it exists)."""

    def __init__(self, app: Any) -> None:
        from lambent._fast import MISS, Pending
        from lambent._pipeline import SMALL_EVENT, NotJSON

        self.app = app
        self._dispatch_bytes = app.dispatch_bytes
        self._not_json = NotJSON
        self._miss, self._pending, self._small = MISS, Pending, SMALL_EVENT

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.app.running():
            yield

    def start_sync(self) -> bool:
        if not self.app._needs_no_loop():  # a lifespan, async handlers or hooks
            return False
        run_loop_free(self.app._start())
        return True

    def stop_sync(self) -> None:
        run_loop_free(self.app.aclose())

    async def invoke(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        if content_type is not None and content_type != JSON:
            return encode_result(await self.app.dispatch(body, context))
        # an HTTP-only app's compiled routes answer from the bytes, in this coroutine (what
        # they answer is a JSON object's: ``dispatch_bytes`` offers them the same bytes
        # first; set once the app started)
        lean = self.app._fast_lean
        if lean is not None and len(body) <= self._small:
            out = lean(body, context)
            if out is not self._miss:
                result = await out.awaitable if type(out) is self._pending else out
                return _lean_answer(result)
        return await self._general(body, context)

    def invoke_now(
        self, body: bytes, content_type: str | None, context: Any
    ) -> tuple[bytes | AsyncIterator[bytes], str]:
        """:meth:`invoke` without its coroutine when the compiled routes answer straight
        away (``lambent._fast``: ``plain_invoke``); the rest is stepped as the loop-free
        loop steps :meth:`invoke`."""
        records = self.app._fast_records
        is_json = content_type is None or content_type == JSON
        if records is not None and is_json and FAST.plain_invoke:
            out = records.from_bytes(body, context)  # a batch of the route key the last one had
            if out is not self._miss:
                return _answered(out)
        lean = self.app._fast_lean
        if lean is not None and is_json and len(body) <= self._small and FAST.plain_invoke:
            out = lean(body, context)
            if out is self._miss:
                return run_loop_free(self._general(body, context))
            result = run_loop_free(out.awaitable) if type(out) is self._pending else out
            return _lean_answer(result)
        return run_loop_free(self.invoke(body, content_type, context))

    async def _general(self, body: bytes, context: Any) -> tuple[bytes | AsyncIterator[bytes], str]:
        """A JSON invocation the compiled routes did not answer."""
        if body[:1] not in _OPENERS and body.lstrip()[:1] not in _OPENERS:
            event = decode_payload(body)  # not JSON: its error says why
            kind = type(event).__name__ if event is not None else "null"
            message = (
                f"Unable to unmarshal input: a lambent app takes a JSON object or array, "
                f"and the invocation payload is a JSON {kind}: {_preview(body)}"
            )
            raise Fault(Fault.UNMARSHAL_ERROR, message)
        try:
            result = await self._dispatch_bytes(body, context)
        except self._not_json as exc:
            from lambent._decode import NOT_JSON, invocation_json

            event = invocation_json(body)
            if event is NOT_JSON:
                raise Fault(Fault.UNMARSHAL_ERROR, _not_json(exc, body)) from None
            # what msgspec refuses and the standard library reads (a number beyond a
            # float's range, as awslambdaric's json.loads reads it): answered from that
            result = await self.app.dispatch(event, context)
        return _answered(result)


def _lean_answer(result: Any) -> tuple[bytes | AsyncIterator[bytes], str]:
    """What the compiled routes answered, as the response: a dict lambent rendered (its
    values text, numbers it set and flags, never a float of the handler's: no NaN to look
    for), or what :func:`_answered` answers."""
    if type(result) is dict:
        try:
            return _ENCODER.encode(result), JSON
        except _UNENCODABLE:
            return encode_result(result)
    return _answered(result)


def _answered(result: Any) -> tuple[bytes | AsyncIterator[bytes], str]:
    """An app's result as the response: streamed, or encoded."""
    if type(result) is not dict and _is_streamed(result):  # HTTP answers are dicts
        return _streamed(result), STREAM_CONTENT_TYPE
    return encode_result(result)


#: the first byte of a JSON object or array
_OPENERS = (b"{", b"[")


def _is_streamed(result: Any) -> bool:
    """Whether ``result`` is a streamed HTTP response (only an app with web routes, which
    has imported lambent.http, can return one)."""
    streaming = sys.modules.get("lambent.http._streaming")
    return streaming is not None and isinstance(result, streaming.Streamed)


def target_for(handler: Any, concurrency: int) -> Target:
    """The target for what the handler name resolved to."""
    app_module = sys.modules.get("lambent._app")  # an app has imported it; else no app
    if app_module is not None:
        app_type = app_module.App
        owner = getattr(handler, "__self__", None)
        if isinstance(owner, app_type) and getattr(handler, "__name__", "") == "handler":
            return AppTarget(owner)
        if isinstance(handler, app_type):
            return AppTarget(handler)
    if not callable(handler):
        raise Fault(Fault.HANDLER_NOT_FOUND, f"Handler {handler!r} is not callable")
    return FunctionTarget(handler, threaded=concurrency > 1)
