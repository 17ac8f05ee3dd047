"""What a failed HTTP request answers: the exception a handler, its dependencies, its
middleware or the router itself (404, 405, 413, 422, the 504 at the deadline) raised,
turned into a :class:`~lambent.http.Response` and logged.

An app's exception handlers are chosen by the exception's type, the nearest class of its
MRO first (the choice cached per type); lambent's own answers (an
:class:`~lambent.http.HTTPException`, :class:`~lambent.DeadlineExceeded`) go only to
handlers of their own types, never to one of ``Exception``. Without a handler, an
``HTTPException`` answers its status, the deadline a ``504``, and anything else the JSON
``500`` with the request id and nothing internal, logged with its traceback. A handler
that raises an ``HTTPException`` answers that status; one that fails otherwise is logged
and answers the ``500``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lambent._errors import LambentError, describe
from lambent._logging import emit
from lambent._observe import cut_by_deadline
from lambent._run import is_cancellation
from lambent.http._invoke import DeadlineExceeded
from lambent.http._registration import ExceptionHandler
from lambent.http._request import Request
from lambent.http._response import HTTPException, Response, error_response, to_response

__all__ = ["answer_error", "exception_handler"]

#: the classes a handler of lambent's own answers is never chosen by
_GENERIC = (LambentError, Exception, BaseException, object)


def exception_handler(
    handlers: Mapping[type[BaseException], ExceptionHandler],
    cache: dict[type[BaseException], ExceptionHandler | None],
    exc_type: type[BaseException],
) -> ExceptionHandler | None:
    """The handler of ``handlers`` for an exception of ``exc_type`` (its nearest class
    first), or None; remembered in ``cache``."""
    try:
        return cache[exc_type]
    except KeyError:
        pass
    mro = exc_type.__mro__
    if issubclass(exc_type, HTTPException | DeadlineExceeded):
        # lambent's own answers (404, 422, 504, ...) go to handlers of their own types only
        mro = tuple(t for t in mro if t not in _GENERIC)
    found = next((handlers[t] for t in mro if t in handlers), None)
    cache[exc_type] = found
    return found


async def answer_error(
    handlers: Mapping[type[BaseException], ExceptionHandler],
    cache: dict[type[BaseException], ExceptionHandler | None],
    request: Request,
    exc: BaseException,
    log: Any,
) -> Response:
    """The response to ``request`` that failed with ``exc``, by ``handlers`` (the app's
    exception handlers, chosen through ``cache``) or lambent's own answer; logged."""
    if isinstance(exc, DeadlineExceeded):  # cut at lambent's deadline: counted so
        cut_by_deadline()
    handler = exception_handler(handlers, cache, type(exc)) if handlers else None
    if handler is not None and isinstance(exc, Exception):
        request.event  # noqa: B018 - the handler gets the request: decode the whole event
        try:
            result = handler(request, exc)
            if inspect.isawaitable(result):
                result = await result
            return to_response(result)
        except HTTPException as answer:  # the status the handler meant
            if answer.status >= 500:
                emit(log.error, "HTTP request failed", status=answer.status, message=answer.message)
            return answer.response()
        except BaseException as inner:  # KeyboardInterrupt, SystemExit too: the same 500
            if is_cancellation(inner):
                raise
            emit(log.error, "exception handler failed", error=describe(inner), exc_info=inner)
            return error_response(500, "Internal Server Error", request_id=request.request_id)
    if isinstance(exc, HTTPException):
        if exc.status >= 500:
            emit(log.error, "HTTP request failed", status=exc.status, message=exc.message)
        return exc.response()
    if isinstance(exc, DeadlineExceeded):
        emit(log.warning, "HTTP handler timed out", path=request.path, error=str(exc))
        return error_response(
            504, "the handler did not finish in time", request_id=request.request_id
        )
    emit(
        log.error,
        "unhandled error in HTTP handler",
        method=request.method,
        path=request.path,
        route=request.route,
        error=describe(exc),
        exc_info=exc,
    )
    return error_response(500, "Internal Server Error", request_id=request.request_id)
