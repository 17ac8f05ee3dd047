"""The request an HTTP handler sees, whichever of the four HTTP sources delivered it.

:class:`Request` is a thin, lazy view over the source's decoded Struct
(:class:`~lambent.sources.apigw_rest.RestRequest`, ``HttpApiRequest``,
``FunctionUrlRequest``, ``AlbRequest``): nothing but the method and path is computed
unless a handler (or the router, for CORS and body limits) asks for it, and each part is
computed once.

The router may build it from a *lean* view of the raw event (method, path, body, request
id: ``LeanRestRequest``, ``LeanHttpApiRequest``) and the raw event itself; the full Struct
is then decoded the first time :attr:`Request.event` (or anything read from it: headers,
query, cookies, ...) is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import SimpleNamespace
from typing import Any

import msgspec

from lambent._decode import CONVERT_ERRORS, as_decode_error
from lambent._errors import EventDecodeError
from lambent.http._response import RequestValidationError
from lambent.http._views import Headers, QueryParams, body_payload, decode_body
from lambent.sources._base import WebSpec, WireShape

__all__ = [
    "BodyNotJSON",
    "BodyNotText",
    "Request",
    "body_size",
    "decode_http_event",
    "surrogate_free",
]


def decode_http_event(kind: str, event_type: type[Any], raw: Any) -> Any:
    """``raw`` (an HTTP-family event dict) as ``event_type``; EventDecodeError when it is not."""
    try:
        return msgspec.convert(raw, event_type)
    except CONVERT_ERRORS as exc:
        err = as_decode_error(exc, None)
        raise EventDecodeError(f"not a valid {kind} event: {err.reason}", path=err.path) from exc


def body_size(raw: str | None, is_base64: bool) -> int:
    """The decoded size in bytes of a body as delivered, without decoding base64 (estimated
    from its length)."""
    if not raw:
        return 0
    if is_base64:
        return len(raw) * 3 // 4 - raw.count("=", -2)
    return len(raw) if raw.isascii() else len(raw.encode())


def surrogate_free(raw: str) -> bool:
    """False when the text holds a lone surrogate (UTF-8 cannot carry it: a 400)."""
    if raw.isascii():
        return True
    try:
        raw.encode()
    except UnicodeEncodeError:
        return False
    return True


class BodyNotJSON(RequestValidationError, msgspec.DecodeError):
    """:meth:`Request.json` of a body that is not JSON: answered 422 (``body: JSON is
    malformed: ...``) unless caught, as ``msgspec.DecodeError`` too."""


class BodyNotText(RequestValidationError, ValueError):
    """:attr:`Request.text` of a body that is not UTF-8: answered 422 (``body: 'utf-8'
    codec can't decode ...``) unless caught, as a declared text body answers, and a
    ``ValueError`` (as ``UnicodeDecodeError`` is) for code that catches one."""


class Request:
    """One HTTP request.

    ``source`` is the kind (``apigw-rest``, ``apigw-http``, ``function-url``, ``alb``),
    ``event`` the source's Struct (for anything source-specific), ``context`` the Lambda
    context. Headers are case-insensitive and multi-valued (``get_all``), query parameters
    multi-valued, cookies a dict. ``state`` is a namespace for what middleware and
    dependencies want to pass on within the request.
    """

    #: the request's dependency scope (routes with dependencies) and logger (middleware)
    _scope: Any = None
    _log: Any = None

    def __init__(
        self,
        source: str,
        event: Any,
        context: Any = None,
        path_params: Mapping[str, str] | None = None,
        route: str | None = None,
        *,
        web: WebSpec | None = None,
    ) -> None:
        self.source = source
        #: what the source says about its requests (wire shape, path encoding)
        self._web = web
        self._wire: WireShape = "v2" if web is None else web.wire
        self._event = event
        #: the raw event while only a lean view of it is decoded (see :meth:`from_lean`)
        self._raw: Any = None
        self._event_type: type[Any] | None = None
        self.context = context
        self.method: str = event.method
        self.path: str = event.path or "/"
        #: decoded path parameters, as strings (handlers get them converted)
        self.path_params: Mapping[str, str] = path_params or {}
        #: the matched template, e.g. ``/orders/{order_id}`` (``None`` before routing)
        self.route = route

    @classmethod
    def from_lean(
        cls,
        source: str,
        view: Any,
        raw: Any,
        event_type: type[Any],
        context: Any = None,
        *,
        web: WebSpec | None = None,
    ) -> Request:
        """A request over ``view``, a lean Struct of ``raw`` (method, path, body, request id);
        the full ``event_type`` Struct is decoded from ``raw`` when first needed."""
        request = cls(source, view, context, web=web)
        request._raw = raw
        request._event_type = event_type
        return request

    @cached_property
    def state(self) -> SimpleNamespace:
        """A namespace for values middleware and dependencies pass on (per request)."""
        return SimpleNamespace()

    @property
    def event(self) -> Any:
        """The source's Struct (decoded now if the router decoded only a lean view; a raw
        event that does not decode raises :class:`~lambent.EventDecodeError`)."""
        if self._event_type is not None:
            self._event = decode_http_event(self.source, self._event_type, self._raw)
            self._raw = self._event_type = None
        return self._event

    @cached_property
    def headers(self) -> Headers:
        return self.event.headers  # type: ignore[no-any-return]

    @cached_property
    def query(self) -> QueryParams:
        return self.event.query  # type: ignore[no-any-return]

    @cached_property
    def cookies(self) -> Mapping[str, str]:
        return self.event.cookies  # type: ignore[no-any-return]

    @property
    def path_is_encoded(self) -> bool:
        """True when the path arrived still percent-encoded (REST, Function URLs, ALB)."""
        web = self._web
        return web is not None and web.path_encoded is not None and web.path_encoded(self._event)

    @property
    def raw_body(self) -> str | None:
        """The body as delivered (base64 text when :attr:`is_base64_encoded`)."""
        return self._event.body  # type: ignore[no-any-return]

    @property
    def is_base64_encoded(self) -> bool:
        return bool(self._event.is_base64_encoded)

    @cached_property
    def body(self) -> bytes:
        """The decoded body (``b""`` when none)."""
        return decode_body(self._event.body, self._event.is_base64_encoded)

    @property
    def payload(self) -> str | bytes:
        """What a declared body type decodes from: the text, or decoded bytes when base64."""
        if "body" in self.__dict__:
            return self.body
        return body_payload(self._event.body, self._event.is_base64_encoded)

    @property
    def text(self) -> str:
        """The body as UTF-8 text; one that is not raises :class:`BodyNotText` (a 422)."""
        try:
            return self.body.decode()
        except UnicodeDecodeError as exc:
            raise BodyNotText("body", str(exc)) from exc

    def json(self) -> Any:
        """The body parsed as JSON (``None`` when there is none). A body that is not JSON
        raises :class:`BodyNotJSON`: the client's 422, as a declared body type answers,
        and a ``msgspec.DecodeError`` for code that catches one."""
        try:
            return msgspec.json.decode(self.payload or b"null")
        except msgspec.DecodeError as exc:
            raise BodyNotJSON("body", str(exc)) from None

    @property
    def body_size(self) -> int:
        """The decoded body size in bytes, without decoding base64 (estimated from its length)."""
        return body_size(self._event.body, self._event.is_base64_encoded)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def request_id(self) -> str:
        """The source's request id (ALB: the trace id), else the Lambda request id."""
        return self._event.request_id or getattr(self.context, "aws_request_id", "") or ""

    @property
    def source_ip(self) -> str:
        return self.event.source_ip  # type: ignore[no-any-return]

    @property
    def stage(self) -> str | None:
        """The API stage (``None`` for ALB)."""
        context = getattr(self.event, "request_context", None)
        return getattr(context, "stage", None)

    @cached_property
    def authorizer(self) -> dict[str, Any]:
        """What the API's authorizer passed on, as plain data (``{}`` when none).

        REST / HTTP API 1.0: ``requestContext.authorizer`` (Cognito ``claims``, or a
        Lambda authorizer's ``principalId`` and context). HTTP API 2.0 / Function URLs:
        ``{"jwt": ..., "lambda": ..., "iam": ...}`` for whichever is present.
        """
        context = getattr(self.event, "request_context", None)
        value = getattr(context, "authorizer", None)
        if value is None:
            return {}
        if isinstance(value, msgspec.Struct):
            built = msgspec.to_builtins(value)
            return {k: v for k, v in built.items() if v is not None}
        return dict(value)

    @property
    def claims(self) -> dict[str, Any]:
        """JWT / Cognito claims (HTTP API JWT authorizer or REST Cognito authorizer)."""
        auth = self.authorizer
        jwt = auth.get("jwt")
        if isinstance(jwt, dict):
            return dict(jwt.get("claims") or {})
        claims = auth.get("claims")
        return dict(claims) if isinstance(claims, dict) else {}

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path} via {self.source})"
