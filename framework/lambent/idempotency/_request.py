"""One HTTP request keyed by its ``Idempotency-Key`` header: :func:`run_request` claims
the key, runs the request, stores its response, which later requests with the key
replay (the IETF Idempotency-Key draft's answers otherwise: 422, 409)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final

import anyio
import msgspec

from lambent.idempotency._guard import fingerprint, keep_of
from lambent.idempotency._store import IdempotencyStore


class StoredResponse(msgspec.Struct, frozen=True):
    """An HTTP response as stored for replay."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: the body is binary (else UTF-8 text)
    binary: bool = False


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(StoredResponse).decode

#: the header a replayed response carries
REPLAYED_HEADER: Final = "idempotent-replayed"


def _problem(status: int, title: str, detail: str) -> StoredResponse:
    body = msgspec.json.encode(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    )
    return StoredResponse(status, {"content-type": "application/problem+json"}, body)


async def run_request(
    store: IdempotencyStore,
    *,
    key: str,
    content: Any,
    expires_at: float,
    call: Callable[[], Awaitable[StoredResponse]],
    clock: Callable[[], float] = time.time,
) -> StoredResponse:
    """Answer one request carrying an ``Idempotency-Key`` (``key``, already scoped).

    The first request with the key runs and its response is stored (a 5xx or an
    exception stores nothing, so the client may retry); a later one with the same
    ``content`` gets that response again without running; with different content it
    gets 422, and while the first still runs, 409 (the IETF Idempotency-Key draft).
    """
    fp = fingerprint(content)
    token = uuid.uuid4().hex
    with anyio.CancelScope(shield=True):  # a claim cut short could be left behind
        held = await store.claim(
            key, fingerprint=fp, token=token, expires_at=expires_at, now=clock()
        )
    if held is not None:
        if held.fingerprint != fp:
            return _problem(
                422,
                "Idempotency key reused",
                "this Idempotency-Key was used with a different request",
            )
        if held.status == "in_progress" or held.response is None:
            return _problem(
                409,
                "Request in progress",
                "a request with this Idempotency-Key is still being processed",
            )
        stored = _decode(held.response)
        return StoredResponse(
            stored.status, {**stored.headers, REPLAYED_HEADER: "true"}, stored.body
        )
    try:
        response = await call()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await store.release(key, token=token)
        raise
    with anyio.CancelScope(shield=True):
        if response.status >= 500:
            await store.release(key, token=token)
        else:
            await store.complete(
                key,
                fingerprint=fp,
                token=token,
                expires_at=clock() + keep_of(store),
                response=_encode(response),
            )
    return response
