"""A :class:`~lambent.http.Response` in the exact shape each HTTP source expects.

* REST API and HTTP API payload 1.0 (LAMBDA.md §5.7): ``statusCode``, ``headers``
  (names with one value), ``multiValueHeaders`` (names with several, and every
  ``Set-Cookie``), ``body``, ``isBase64Encoded``.
* HTTP API 2.0 and Function URLs (§5.8): ``statusCode``, ``headers`` (repeated values
  comma-joined), ``cookies``, ``body``, ``isBase64Encoded``. Always a full response with
  ``statusCode``, so the services' "inference" of bare return values never applies.
* ALB (§5.9): ``statusCode``, ``statusDescription`` (``"200 OK"``), then ``headers`` or
  ``multiValueHeaders`` — whichever mode the request came in — ``body``, ``isBase64Encoded``.
  In single-value mode a repeated ``Set-Cookie`` is sent under differently-cased names
  (``Set-Cookie``, ``set-Cookie``, ...), which ALB forwards as separate headers; other
  repeated headers are comma-joined.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import msgspec

from lambent._errors import describe
from lambent._logging import emit
from lambent.http._response import (
    JSON,
    Response,
    encode_body,
    error_response,
    json_text,
    reason,
)
from lambent.sources._base import WireShape

__all__ = [
    "RENDERERS",
    "RENDER_ERRORS",
    "Renderer",
    "case_variants",
    "render_checked",
    "render_http",
    "render_value",
    "value_text",
]

#: what encoding a result or checking its headers raises (msgspec: TypeError for an
#: unsupported type, OverflowError for an integer out of range; ValueError: CR or LF in a
#: header)
RENDER_ERRORS = (TypeError, ValueError, OverflowError)


#: statuses whose answer has no body (RFC 9110 §6.4.1: 1xx, 204 No Content, 304 Not
#: Modified): a body given with one is not sent, nor the content type lambent would give it
NO_BODY = frozenset((*range(100, 200), 204, 304))


def _prepare(
    response: Response, head: bool
) -> tuple[dict[str, tuple[str, list[str]]], list[str], str, bool]:
    grouped = response.headers.grouped()
    if response.status in NO_BODY:
        text, is_b64, content_type = "", False, None
    else:
        declared = grouped.get("content-type")
        given = declared[1][-1] if declared is not None else response.media_type
        text, is_b64, default_type = encode_body(response.body, given)
        content_type = response.media_type or default_type
    cookies = response.cookies
    if "set-cookie" in grouped:
        cookies = [*cookies, *grouped.pop("set-cookie")[1]]
    if content_type is not None and "content-type" not in grouped:
        grouped["content-type"] = ("Content-Type", [content_type])
    for name, values in grouped.values():  # inline: a call per header costs more than it
        if "\r" in name or "\n" in name:
            _check_header(name, values)
        for value in values:
            if "\r" in value or "\n" in value:
                _check_header(name, values)
    for value in cookies:
        if isinstance(value, str) and ("\r" in value or "\n" in value):
            _check_header("Set-Cookie", cookies)
    if head:
        text, is_b64 = "", False
    return grouped, cookies, text, is_b64


def _check_header(name: str, values: list[str]) -> None:
    """A header with CR or LF (response splitting) is never sent: ValueError naming it."""
    for text in (name, *values):
        if isinstance(text, str) and ("\r" in text or "\n" in text):
            raise ValueError(f"the response header {name!r} contains CR or LF: {text!r}")


def _rest(response: Response, head: bool, event: Any = None) -> dict[str, Any]:
    grouped, cookies, text, is_b64 = _prepare(response, head)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, values in grouped.values():
        if len(values) == 1:
            single[name] = values[0]
        else:
            multi[name] = values
    if cookies:
        multi["Set-Cookie"] = list(cookies)
    return {
        "statusCode": response.status,
        "headers": single,
        "multiValueHeaders": multi,
        "body": text,
        "isBase64Encoded": is_b64,
    }


def _v2(response: Response, head: bool, event: Any = None) -> dict[str, Any]:
    grouped, cookies, text, is_b64 = _prepare(response, head)
    return {
        "statusCode": response.status,
        "headers": {lower: ",".join(values) for lower, (_, values) in grouped.items()},
        "cookies": list(cookies),
        "body": text,
        "isBase64Encoded": is_b64,
    }


def case_variants(name: str, count: int) -> list[str]:
    """``count`` spellings of ``name`` differing only in letter case (ALB single-value mode)."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if count > 2 ** len(letters):
        raise ValueError(f"cannot send {count} {name!r} headers in ALB single-value mode")
    out: list[str] = []
    base = name.lower()
    for n in range(count):
        chars = list(base)
        for bit, pos in enumerate(letters):
            # the first spelling is the conventional one (``Set-Cookie``)
            upper = (n >> bit) & 1 != (pos == 0 or name[pos - 1] == "-")
            chars[pos] = chars[pos].upper() if upper else chars[pos]
        out.append("".join(chars))
    return out


def _alb(response: Response, head: bool, multi_value: bool) -> dict[str, Any]:
    grouped, cookies, text, is_b64 = _prepare(response, head)
    status = response.status
    out: dict[str, Any] = {"statusCode": status, "statusDescription": f"{status} {reason(status)}"}
    if multi_value:
        multi = {name: values for name, values in grouped.values()}
        if cookies:
            multi["Set-Cookie"] = list(cookies)
        out["multiValueHeaders"] = multi
    else:
        single = {name: ",".join(values) for name, values in grouped.values()}
        if cookies:
            single.update(zip(case_variants("Set-Cookie", len(cookies)), cookies, strict=True))
        out["headers"] = single
    out["body"] = text
    out["isBase64Encoded"] = is_b64
    return out


def render_http(
    wire: WireShape, event: Any, response: Response, *, head: bool = False
) -> dict[str, Any]:
    """The Lambda result for ``response`` in the ``wire`` shape its source declares
    (``head``: drop the body)."""
    return RENDERERS[wire].full(response, head, event)


def render_checked(
    wire: WireShape,
    event: Any,
    response: Response,
    *,
    request_id: str,
    log: Any,
    head: bool = False,
    **where: Any,
) -> dict[str, Any]:
    """:func:`render_http`; or, when the response cannot be sent (a value JSON cannot
    encode, CR or LF in a header), the JSON 500 with the request id, logged with the
    reason (``where``: what the log line names besides)."""
    try:
        return RENDERERS[wire].full(response, head, event)  # render_http's, a call less
    except RENDER_ERRORS as exc:
        emit(
            log.error, "cannot render the HTTP response", error=describe(exc), exc_info=exc, **where
        )
        failed = error_response(500, "Internal Server Error", request_id=request_id)
        return render_http(wire, event, failed)


def value_text(value: Any) -> tuple[str, bool, str]:
    """``(wire text, is base64, content type)`` of a plain handler result (not a Response,
    not ``None``)."""
    if type(value) is dict or type(value) is list or isinstance(value, msgspec.Struct):
        return json_text(value), False, JSON
    text, is_b64, content_type = encode_body(value)
    assert content_type is not None  # only a None body has none
    return text, is_b64, content_type


def render_value(wire: WireShape, event: Any, value: Any) -> dict[str, Any]:
    """``render_http(wire, event, Response(value))`` for a plain handler result (not a
    Response, not ``None``), built directly: one content type, no other header, no cookie."""
    text, is_b64, content_type = value_text(value)
    return RENDERERS[wire].value(event, text, is_b64, content_type)


def _rest_value(event: Any, text: str, is_b64: bool, content_type: str) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {},
        "body": text,
        "isBase64Encoded": is_b64,
    }


def _v2_value(event: Any, text: str, is_b64: bool, content_type: str) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"content-type": content_type},
        "cookies": [],
        "body": text,
        "isBase64Encoded": is_b64,
    }


def _alb_value(event: Any, text: str, is_b64: bool, content_type: str) -> dict[str, Any]:
    out: dict[str, Any] = {"statusCode": 200, "statusDescription": _OK}
    if getattr(event, "multi_value", False):
        out["multiValueHeaders"] = {"Content-Type": [content_type]}
    else:
        out["headers"] = {"Content-Type": content_type}
    out["body"] = text
    out["isBase64Encoded"] = is_b64
    return out


_OK = f"200 {reason(200)}"

#: a response in a wire shape: ``(response, head, event)``
FullRenderer = Callable[[Response, bool, Any], dict[str, Any]]
#: a plain 200 result in a wire shape: ``(event, text, is base64, content type)``
ValueRenderer = Callable[[Any, str, bool, str], dict[str, Any]]


class Renderer(NamedTuple):
    """How one wire shape renders a Response, and a plain result."""

    full: FullRenderer
    value: ValueRenderer
    #: the plain rendering reads the request (its ``event`` argument)
    reads_request: bool = False


#: the wire shapes the sources declare (``WebSpec.wire``) and how each renders
RENDERERS: Mapping[WireShape, Renderer] = {
    "rest": Renderer(_rest, _rest_value),
    "v2": Renderer(_v2, _v2_value),
    "alb": Renderer(
        lambda response, head, event: _alb(
            response, head, bool(getattr(event, "multi_value", False))
        ),
        _alb_value,
        reads_request=True,
    ),
}
