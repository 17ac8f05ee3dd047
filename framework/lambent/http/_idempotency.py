"""HTTP routes with ``idempotent=True``: one run per ``Idempotency-Key`` header.

The first request with a key runs; its response (status, headers, body) is stored in the
app's idempotency store and a later request with the same key and the same method, path
and body gets it again, with ``Idempotent-Replayed: true``, without running the handler.
The same key with a different request answers 422, and while the first request still
runs, 409 (the IETF Idempotency-Key draft). A request without the header answers 400.
A 5xx response, or an exception, stores nothing: the client's retry runs.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Final

import msgspec

from lambent.http._response import Response, encode_body, to_response

if TYPE_CHECKING:
    from lambent.http._request import Request
    from lambent.http._router import HttpRoute, HttpRouter
    from lambent.idempotency import IdempotencyStore, StoredResponse

HEADER: Final = "idempotency-key"
#: longer keys are refused (400): a key is an identifier, not a payload
MAX_KEY: Final = 255


def _stored(response: Response) -> StoredResponse:
    from lambent.idempotency import StoredResponse

    text, binary, default_type = encode_body(response.body)
    headers = dict(response.headers.multi_items())
    if "content-type" not in response.headers:
        content_type = response.media_type or default_type
        if content_type is not None:
            headers["content-type"] = content_type
    body = base64.b64decode(text) if binary else text.encode()
    return StoredResponse(response.status, headers, body, binary)


def _response(stored: StoredResponse) -> Response:
    body: Any = stored.body if stored.binary else stored.body.decode()
    return Response(body, stored.status, stored.headers)


def _bad_key(detail: str) -> Response:
    problem = {"type": "about:blank", "title": "Bad Idempotency-Key", "status": 400}
    return Response(
        msgspec.json.encode({**problem, "detail": detail}).decode(),
        400,
        {"content-type": "application/problem+json"},
    )


async def answer_once(
    router: HttpRouter,
    store: IdempotencyStore,
    route: HttpRoute,
    request: Request,
    context: Any,
    log: Any,
) -> Response:
    """``route``'s response to ``request``, run at most once per ``Idempotency-Key``."""
    from lambent._observe import deadline_epoch
    from lambent.idempotency import run_request

    key = request.headers.get(HEADER)
    if not key:
        return _bad_key("this operation needs an Idempotency-Key header")
    if len(key) > MAX_KEY:
        return _bad_key(f"the Idempotency-Key header is longer than {MAX_KEY} characters")

    async def produce() -> StoredResponse:
        # answered as the router answers any route: a failure is the request's error
        # (``scope.error``, what the dependencies' cleanup sees), cancellation passes
        try:
            result = router._run(route, request, context, log)
        except BaseException as exc:
            response = await router._failed(request, exc, log)
        else:
            # stored to be replayed whole, a streamed response is answered whole too
            response = to_response(
                await router._result(route, request, result, log, False, whole=True)
            )
        return _stored(response)

    content = (request.method, request.path, request.raw_body or "")
    stored = await run_request(
        store,
        key=f"{route.plan.name}#{key}",
        content=content,
        expires_at=deadline_epoch(context),
        call=produce,
    )
    return _response(stored)
