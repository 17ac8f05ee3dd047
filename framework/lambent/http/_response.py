"""What HTTP handlers return: :class:`Response`, plain values, and :class:`HTTPException`.

Plain returns are converted by :func:`to_response`: a Struct, dataclass, dict or list
becomes ``200`` JSON, ``str`` ``200 text/plain``, ``bytes`` ``200`` binary (base64 on the
wire), ``None`` ``204``. A dict is always a JSON *body*, never an AWS proxy response: to set
the status or headers, return a :class:`Response`, or a tuple ``(body, status)`` or
``(body, status, headers)`` as Flask and Powertools read it (:func:`tuple_response`).

Errors answered by lambent itself (404, 405, 413, 422, 500, 504) have a small JSON body::

    {"status": 422, "error": "Unprocessable Content", "message": "...", "path": "$.qty"}
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from lambent._pydantic import model_value
from lambent.http._headers import HeaderInput, MutableHeaders

__all__ = [
    "HTTPException",
    "RequestValidationError",
    "Response",
    "SetCookie",
    "encode_body",
    "encode_json",
    "error_response",
    "is_text_type",
    "json_text",
    "reason",
    "to_response",
    "tuple_annotation_problem",
    "tuple_response",
]

_json = msgspec.json.Encoder(enc_hook=model_value)
#: JSON bytes of a value (:func:`json_text` is its text, also for a lone surrogate, which
#: this refuses with UnicodeEncodeError)
encode_json = _json.encode
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
BINARY = "application/octet-stream"


#: RFC 9110 phrases for the codes Python renamed in 3.13, so that the answer does not
#: depend on the Lambda runtime's Python version
_PHRASES = {
    200: "OK",
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def reason(status: int) -> str:
    """The reason phrase of ``status`` (``"Unknown"`` for codes without one), the same on
    every Python version."""
    phrase = _PHRASES.get(status)
    if phrase is not None:
        return phrase
    from http import HTTPStatus  # only for codes outside _PHRASES

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


#: an RFC 9110 token (a cookie's name)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class SetCookie:
    """A ``Set-Cookie`` value; ``str(cookie)`` renders it."""

    name: str
    value: str = ""
    max_age: int | None = None
    expires: datetime | None = None
    path: str | None = "/"
    domain: str | None = None
    secure: bool = False
    http_only: bool = False
    same_site: Literal["Strict", "Lax", "None"] | None = None
    partitioned: bool = False

    def __post_init__(self) -> None:
        """ValueError for what would break the header: a name that is no token (RFC 6265),
        a ``;`` in the value, path or domain (it would end the value and start an
        attribute of the sender's choosing: ``x; Domain=evil.example``)."""
        if _TOKEN.fullmatch(self.name) is None:
            raise ValueError(
                f"a cookie's name is a token (letters, digits, !#$%&'*+-.^_`|~), not {self.name!r}"
            )
        for part in ("value", "path", "domain"):
            text = getattr(self, part)
            if text and ";" in text:
                raise ValueError(
                    f"cookie {self.name!r}: its {part} {text!r} contains ';', which would end "
                    "it and start an attribute: encode it (urllib.parse.quote)"
                )

    def __str__(self) -> str:
        parts = [f"{self.name}={self.value}"]
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        if self.expires is not None:
            when = self.expires if self.expires.tzinfo else self.expires.replace(tzinfo=UTC)
            from email.utils import format_datetime  # a heavy import, for this only

            parts.append(f"Expires={format_datetime(when.astimezone(UTC), usegmt=True)}")
        if self.path:
            parts.append(f"Path={self.path}")
        if self.domain:
            parts.append(f"Domain={self.domain}")
        if self.secure or self.same_site == "None":
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        if self.same_site:
            parts.append(f"SameSite={self.same_site}")
        if self.partitioned:
            parts.append("Partitioned")
        return "; ".join(parts)


class Response:
    """An HTTP response: status, headers (repeatable), cookies and a body.

    ``body`` may be ``str`` (text), ``bytes`` (binary), or anything msgspec encodes as JSON
    (Struct, dataclass, dict, list, ...). The ``content-type`` defaults from the body kind
    unless ``media_type`` or a ``content-type`` header says otherwise. ``cookies`` are
    ``Set-Cookie`` values (strings or :class:`SetCookie`), or a mapping of names to values;
    a ``Set-Cookie`` header works too.
    """

    __slots__ = ("body", "cookies", "headers", "media_type", "status")

    def __init__(
        self,
        body: Any = None,
        status: int = 200,
        headers: HeaderInput = None,
        *,
        cookies: Iterable[str | SetCookie] | Mapping[str, str] = (),
        media_type: str | None = None,
    ) -> None:
        self.body = body
        if status.__class__ is not int or not 100 <= status <= 599:
            status = http_status(status)  # an IntEnum (HTTPStatus) is its number; else raises
        self.status = status
        self.headers = MutableHeaders(headers)
        self.cookies: list[str] = _cookie_values(cookies) if cookies else []
        self.media_type = media_type

    def set_cookie(self, name: str, value: str = "", **attributes: Any) -> None:
        """Add a ``Set-Cookie`` (attributes as in :class:`SetCookie`)."""
        self.cookies.append(str(SetCookie(name, value, **attributes)))

    def delete_cookie(
        self, name: str, *, path: str | None = "/", domain: str | None = None
    ) -> None:
        """Ask the client to drop cookie ``name``."""
        expired = datetime(1970, 1, 1, tzinfo=UTC)
        self.cookies.append(
            str(SetCookie(name, "", max_age=0, expires=expired, path=path, domain=domain))
        )

    def all_cookies(self) -> list[str]:
        """``cookies`` plus any ``Set-Cookie`` headers."""
        extra = self.headers.get_all("set-cookie")
        return [*self.cookies, *extra] if extra else self.cookies

    def __repr__(self) -> str:
        return f"Response(status={self.status}, headers={self.headers!r}, body={self.body!r})"


def encode_body(body: Any, content_type: str | None = None) -> tuple[str, bool, str | None]:
    """``(wire text, is base64, default content type)`` of a body.

    Bytes go out base64-encoded, except when ``content_type`` is a text type (``text/*``,
    JSON, XML, JavaScript, ``+json`` and ``+xml`` types) and they are valid UTF-8: then
    as text, which is how they reach clients of a REST API without binary media types.
    """
    if body is None:
        return "", False, None
    if isinstance(body, str):
        return body, False, TEXT
    if isinstance(body, bytes | bytearray | memoryview):
        if content_type is not None and is_text_type(content_type):
            try:
                return bytes(body).decode("utf-8"), False, BINARY
            except UnicodeDecodeError:
                pass
        return base64.b64encode(body).decode("ascii"), True, BINARY
    return json_text(body), False, JSON


_TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript", "application/ecmascript"}
)


def is_text_type(content_type: str) -> bool:
    """``content_type`` (parameters allowed) names text: ``text/*``, JSON, XML,
    JavaScript, or a ``+json``/``+xml`` structured type."""
    kind = content_type.partition(";")[0].strip().lower()
    return (
        kind.startswith("text/")
        or kind in _TEXT_TYPES
        or kind.endswith("+json")
        or kind.endswith("+xml")
    )


def _cookie_values(cookies: Iterable[str | SetCookie] | Mapping[str, str]) -> list[str]:
    """``Set-Cookie`` values: a mapping is names to values (``{"session": "abc"}``, each a
    :class:`SetCookie`: a dict iterated is its names alone, which sent ``session``); a
    string is a whole value, ``name=value[; attributes]`` (ValueError without ``=``)."""
    if isinstance(cookies, Mapping):
        return [str(SetCookie(name, value)) for name, value in cookies.items()]
    out = [cookies] if isinstance(cookies, str) else [str(c) for c in cookies]  # one value
    for value in out:
        if "=" not in value.partition(";")[0]:
            raise ValueError(f"a Set-Cookie value is name=value[; attributes], not {value!r}")
    return out


def json_text(body: Any) -> str:
    """``body`` encoded as JSON text. Text with a lone surrogate (which UTF-8 cannot hold,
    so msgspec refuses it) is written as JSON's own ``\\udXXX`` escape."""
    try:
        return _json.encode(body).decode()
    except UnicodeEncodeError:
        import json

        return json.dumps(
            msgspec.to_builtins(body, enc_hook=model_value),
            ensure_ascii=True,
            separators=(",", ":"),
        )


def http_status(status: object) -> int:
    """``status`` as the number API Gateway takes: an ``int`` (an ``IntEnum`` such as
    ``HTTPStatus.CREATED`` too, not a ``bool``) from 100 to 599; else ``ValueError``
    (API Gateway would answer its own 502 for the function's malformed response)."""
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        return int(status)
    raise ValueError(f"an HTTP status is a number from 100 to 599, not {status!r}")


def to_response(value: Any) -> Response:
    """A handler's return value as a :class:`Response` (a tuple: :func:`tuple_response`)."""
    if isinstance(value, Response):
        return value
    if value is None:
        return Response(status=204)
    if type(value) is tuple:
        return tuple_response(value)
    return Response(value)


def tuple_response(value: tuple[Any, ...]) -> Response:
    """The :class:`Response` of a handler's ``(body, status)`` or ``(body, status,
    headers)``, as Flask and Powertools read a returned tuple (``body`` as a plain return
    is read; ``None``: no body). Any other tuple is ``TypeError``, and a status that is
    not one ``ValueError``: a JSON array is returned as a list (a named tuple is one too).
    """
    if len(value) == 2:
        body, status = value
        headers = None
    elif len(value) == 3:
        body, status, headers = value
    else:
        raise TypeError(
            f"a returned tuple is (body, status) or (body, status, headers), not {len(value)} "
            "values (return a list for a JSON array)"
        )
    if isinstance(body, Response):
        raise TypeError("a returned tuple's body is the Response's: return the Response itself")
    return Response(body, status, headers)  # which checks the status


def tuple_annotation_problem(returns: Any) -> str | None:
    """Why a return annotation ``tuple[...]`` cannot be a status tuple as
    :func:`tuple_response` reads one (``tuple[int, ...]``, ``tuple[str, str]``: a JSON
    array meant, and every call a 500), or None (not a tuple, or ``tuple[T, int]``,
    ``tuple[T, Literal[201]]``, ``tuple[T, int, dict[str, str]]``)."""
    import typing  # only for annotations that are tuples

    if typing.get_origin(returns) is not tuple:
        return None
    args = typing.get_args(returns)
    if len(args) not in (2, 3) or args[1] is Ellipsis:
        return "a returned tuple is read as (body, status) or (body, status, headers)"
    status = args[1]
    if status is bool or (
        status is not Any and isinstance(status, type) and not issubclass(status, int)
    ):
        return f"a returned tuple's second value is its status, not {status!r}"
    return None


class HTTPException(Exception):
    """Raise to answer with ``status`` and a JSON error body (``message``, extra ``detail``
    keys). FastAPI's spelling is read too, so that an error path written for it answers
    its status rather than a 500: ``status_code=`` for ``status``, and a ``detail`` that is
    text is the message (``{"detail": text}`` when a message is given as well)."""

    def __init__(
        self,
        status: int | None = None,
        message: str | None = None,
        *,
        headers: HeaderInput = None,
        detail: Mapping[str, Any] | str | None = None,
        status_code: int | None = None,
    ) -> None:
        # a bad one (none given too): ValueError where it is raised
        self.status = http_status(status_code if status is None else status)
        if isinstance(detail, str):
            detail, message = ({"detail": detail}, message) if message else (None, detail)
        self.message = message or reason(self.status)
        self.headers = headers
        self.detail = dict(detail or {})
        super().__init__(f"{self.status}: {self.message}")

    def response(self) -> Response:
        return error_response(self.status, self.message, self.headers, **self.detail)


class RequestValidationError(HTTPException):
    """422: a path, query, header or cookie parameter or the body does not decode.

    ``where`` names the part (``"body"``, ``"query parameter 'limit'"``), ``path`` the
    JSON path of the bad field inside it (``"$.items[0].qty"``).
    """

    def __init__(self, where: str, reason_text: str, path: str = "$") -> None:
        self.where = where
        self.path = path
        super().__init__(422, f"{where}: {reason_text}", detail={"path": path})


def error_response(
    status: int, message: str, headers: HeaderInput = None, **extra: Any
) -> Response:
    """The JSON error answer lambent gives for ``status``."""
    body = {"status": status, "error": reason(status), "message": message, **extra}
    return Response(body, status, headers)
