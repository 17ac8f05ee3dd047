"""Payload decoders, built once per route when the decorator runs.

A route's declared payload type (msgspec Struct, dataclass, TypedDict, dict, list,
str, bytes, ...) gets one reusable decoder. Errors become :class:`DecodeError`
carrying the record id and the ``$.path`` of the bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from lambent._errors import ConfigurationError, DecodeError
from lambent.sources._base import FieldError, PayloadFormat

Decoder = Callable[[Any], Any]

_PATH = re.compile(r" - at `(\$[^`]*)`$")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode()
    raise TypeError(f"expected text, got {type(value).__name__}")


def _raw_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return msgspec.json.encode(value)


def build_decoder(tp: Any, fmt: PayloadFormat, where: str) -> Decoder:
    """A function turning a source payload into ``tp``; raises ConfigurationError if unsupported.

    ``fmt`` says what the payload is: JSON text (``"json"``) or Python builtins
    (``"python"``). ``str`` and ``bytes`` take JSON-text payloads as they are.
    """
    if tp is str:
        return _text if fmt == "json" else (lambda v: msgspec.convert(v, str))
    if tp is bytes:
        return _raw_bytes
    try:
        if fmt == "json":
            return msgspec.json.Decoder(tp).decode
        msgspec.json.Decoder(tp)  # validates that msgspec supports the type
    except TypeError as exc:
        raise ConfigurationError(f"{where}: cannot decode a payload into {tp!r}: {exc}") from None

    def convert(value: Any) -> Any:
        return msgspec.convert(value, tp, strict=False)

    return convert


def as_decode_error(exc: Exception, record_id: str | None) -> DecodeError:
    """A msgspec error (or a base64/UTF-8 error) as a DecodeError naming record and path."""
    if isinstance(exc, FieldError):
        return DecodeError(exc.reason, record_id=record_id, path=exc.path)
    message = str(exc)
    path = "$"
    found = _PATH.search(message)
    if found:
        path = found.group(1)
        message = message[: found.start()]
    return DecodeError(message, record_id=record_id, path=path)


DECODE_ERRORS: tuple[type[Exception], ...] = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    UnicodeDecodeError,
    ValueError,
    TypeError,
)
