"""Payload decoders, built once per route when the decorator runs.

A route's declared payload type (msgspec Struct, dataclass, TypedDict, dict, list,
str, bytes, ...) gets one reusable decoder. Errors become :class:`DecodeError`
carrying the record id and the ``$.path`` of the bad field.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from lambent._errors import ConfigurationError, DecodeError
from lambent._pydantic import model_value, pydantic_decoder
from lambent.sources._base import FieldError, PayloadFormat

Decoder = Callable[[Any], Any]

_PATH = re.compile(r" - at `(\$[^`]*)`$")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode()
    raise TypeError(f"expected text, got {type(value).__name__}")


_NO_VALUE = (
    "the record has no payload (a Kafka tombstone has no value): declare `{} | None` "
    "to take it as None"
)


def _payload_text(value: Any) -> str:
    """A ``str`` payload: the text as it came; an absent one is refused, not ``"null"``."""
    if value is None:
        raise TypeError(_NO_VALUE.format("str"))
    return _text(value)


def _payload_bytes(value: Any) -> bytes:
    """A ``bytes`` payload: the bytes as they came; an absent one is refused."""
    if value is None:
        raise TypeError(_NO_VALUE.format("bytes"))
    return as_bytes(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _optional_bytes(value: Any) -> bytes | None:
    return None if value is None else as_bytes(value)


#: the decoders of JSON-text payloads that read them raw, by type: they take an absent
#: payload (``None``: a Kafka tombstone) as it is, where JSON decoders are given ``null``
_RAW: dict[Any, Decoder] = {
    str: _payload_text,
    bytes: _payload_bytes,
    str | None: _optional_text,
    bytes | None: _optional_bytes,
}
_READS_ABSENT = frozenset(_RAW.values())


def reads_absent(decoder: Decoder) -> bool:
    """Whether ``decoder`` takes an absent payload (``None``) itself (a raw ``str`` or
    ``bytes`` one); any other is given JSON ``null`` for it (``T | None`` is ``None``)."""
    return decoder in _READS_ABSENT


def as_bytes(value: Any, json_end: bytes = b"") -> bytes:
    """Bytes-like values and text as bytes (UTF-8); anything else as JSON, ``json_end``
    after it (a ``bytes`` payload, a Firehose record's new data)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return msgspec.json.encode(value, enc_hook=model_value) + json_end


#: what :func:`invocation_json` returns for bytes that are not JSON
NOT_JSON: Any = object()


def invocation_json(body: bytes) -> Any:
    """An invocation's JSON bytes as Python values, as awslambdaric reads them: msgspec's
    decoding, and where msgspec refuses what the standard library reads (a number beyond
    a float's range, ``NaN``), ``json.loads``'s; :data:`NOT_JSON` when neither reads them."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        import json

        try:
            return json.loads(body)
        except ValueError:
            return NOT_JSON


def build_decoder(tp: Any, fmt: PayloadFormat, where: str) -> Decoder:
    """A function turning a source payload into ``tp``; raises ConfigurationError if unsupported.

    ``fmt`` says what the payload is: JSON text (``"json"``), JSON read into Python
    builtins (``"decoded"``, converted as strictly as the text would be decoded) or
    Python builtins converted by msgspec's lax rules (``"python"``). ``str`` and ``bytes`` (and ``str | None``, ``bytes | None``) take
    JSON-text payloads as they are (:func:`reads_absent`). Types
    msgspec decodes (Structs, dataclasses, TypedDicts, builtins, ...) use msgspec;
    pydantic v2 models (when pydantic is installed) are validated by pydantic itself.
    """
    decoder = _build(tp, fmt, where)
    if fmt == "json" and decoder not in _READS_ABSENT:
        _payload_types.setdefault(decoder, tp)
    return decoder


#: the payload type of each JSON decoder :func:`build_decoder` made, named by
#: :func:`decode_absent` when that type cannot be None
_payload_types: dict[Decoder, Any] = {}


def decode_absent(decoder: Decoder) -> Any:
    """An absent payload (a Kafka tombstone) through a JSON ``decoder``: JSON ``null``,
    which a ``T | None`` type takes as None. Any other type refuses it saying the record
    has no payload and what to declare, as a raw ``str`` payload does (never "got
    `null`": the record held no such text)."""
    try:
        return decoder(b"null")
    except DECODE_ERRORS:
        tp = _payload_types.get(decoder)
        name = "T" if tp is None else tp.__qualname__ if isinstance(tp, type) else repr(tp)
        raise TypeError(_NO_VALUE.format(name)) from None


def _build(tp: Any, fmt: PayloadFormat, where: str) -> Decoder:
    if fmt == "json":
        try:
            raw = _RAW.get(_optional(tp))
        except TypeError:  # an unhashable annotation: not one of them
            raw = None
        if raw is not None:
            return raw
    if tp is str:
        return lambda v: msgspec.convert(v, str)
    if tp is bytes:
        return as_bytes
    try:
        key = (tp, fmt)
        built = _built.get(key)
    except TypeError:  # an unhashable annotation: built every time
        key, built = None, None
    if built is not None:
        return built
    try:
        decoder = msgspec.json.Decoder(tp)
        custom = custom_classes(tp)
    except TypeError as exc:
        raise ConfigurationError(f"{where}: cannot decode a payload into {tp!r}: {exc}") from None
    if custom:
        return pydantic_decoder(tp, fmt, where, custom)
    if fmt == "json" and _textual(tp):
        built = _text_or_json(tp, decoder.decode)
    elif fmt == "json":
        built = decoder.decode
    else:
        built = _converter(tp, strict=fmt == "decoded")

    if key is not None:
        _built[key] = built
    return built


#: a builtins payload a type cannot be None for, which holds None (a DynamoDB image its
#: stream's view type leaves out: NEW_IMAGE has no old image)
_HOLDS_NONE = "the record holds no value here (None): declare `{} | None` to take it as None"


def _converter(tp: Any, *, strict: bool) -> Decoder:
    """A builtins payload converted into ``tp``; None where ``tp`` cannot be None is
    said as such (not msgspec's "Expected `object`, got `null`")."""
    name = tp.__qualname__ if isinstance(tp, type) else repr(tp)

    def convert(value: Any) -> Any:
        try:
            return msgspec.convert(value, tp, strict=strict)
        except msgspec.ValidationError:
            if value is None:
                raise TypeError(_HOLDS_NONE.format(name)) from None
            raise

    return convert


def _optional(tp: Any) -> Any:
    """``typing.Optional[X]`` and ``Union[X, None]`` written as ``X | None`` (a key of
    :data:`_RAW`); any other annotation as it is."""
    if typing.get_origin(tp) is typing.Union:
        args = typing.get_args(tp)
        if len(args) == 2 and type(None) in args:
            other = args[0] if args[1] is type(None) else args[1]
            if isinstance(other, type):
                return other | None
    return tp


def _textual(tp: Any) -> bool:
    """Whether ``tp`` is read from text other than as ``str`` itself: a constrained
    ``str``, a datetime, date, time or duration, a UUID, an enum of strings, a
    ``Literal`` of strings; also with ``msgspec.Meta`` that only documents it (a
    ``description``), and ``X | None`` of one of them (``None``: the text ``null``, or no
    payload at all)."""
    import msgspec.inspect as mi

    info = mi.type_info(tp)
    if isinstance(info, mi.UnionType):
        kinds = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return len(kinds) == 1 < len(info.types) and _textual_info(kinds[0], tp)
    return _textual_info(info, tp)


def _textual_info(info: Any, tp: Any) -> bool:
    import msgspec.inspect as mi

    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.StrType):
        return tp is not str
    if isinstance(info, mi.DateTimeType | mi.DateType | mi.TimeType | mi.TimeDeltaType):
        return True
    if isinstance(info, mi.UUIDType):
        return True
    if isinstance(info, mi.EnumType):
        return all(isinstance(member.value, str) for member in info.cls)
    if isinstance(info, mi.LiteralType):
        return all(isinstance(value, str) for value in info.values)
    return False


def _text_or_json(tp: Any, json_decode: Decoder) -> Decoder:
    """A textual type's decoder (:func:`_textual`): the payload's text as it came (as a
    ``str`` payload is), or, when that is not one, the JSON string it holds
    (``"2024-05-01"`` with its quotes, as a JSON encoder writes it) or JSON ``null``."""

    def decode(value: Any) -> Any:
        text = _text(value)
        try:
            return msgspec.convert(text, tp)
        except msgspec.ValidationError:
            if not text.startswith('"') and text != "null":
                raise
        return json_decode(text)

    return decode


#: the decoders built so far, by payload type and format: an app's routes often share
#: a type (one order Struct for several queues), and inspecting a type is the costly part
#: of building its decoder, at definition time
_built: dict[tuple[Any, PayloadFormat], Decoder] = {}


def custom_classes(tp: Any) -> list[type[Any]]:
    """The classes inside ``tp`` that msgspec accepts but cannot decode into (it would
    fail every payload): plain classes, pydantic models, ..."""
    import msgspec.inspect as mi

    found: list[type[Any]] = []
    seen: set[int] = set()
    pending: list[Any] = [mi.type_info(tp)]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, mi.CustomType):
            if node.cls is not object:  # msgspec decodes ``object`` as ``Any``
                found.append(node.cls)
        elif isinstance(node, tuple):
            pending.extend(node)
        elif isinstance(node, mi.Type | mi.Field):
            pending.extend(getattr(node, name) for name in node.__struct_fields__)
    return found


def as_decode_error(exc: Exception, record_id: str | None) -> DecodeError:
    """A msgspec error (or a base64/UTF-8 error) as a DecodeError naming record and path
    (made with positional arguments: one per bad record)."""
    if isinstance(exc, FieldError):
        return DecodeError(exc.reason, record_id, exc.path)
    message = str(exc)
    if message.endswith("`"):  # msgspec's `` - at `$.path``: the backtick before the last opens it
        opening = message.rfind("`", 0, len(message) - 1)
        if opening >= 6 and message.startswith(" - at `$", opening - 6):
            return DecodeError(message[: opening - 6], record_id, message[opening + 1 : -1])
        return DecodeError(message, record_id)
    found = _PATH.search(message)  # also before a final line break
    if found:
        return DecodeError(message[: found.start()], record_id, found.group(1))
    return DecodeError(message, record_id)


#: what ``msgspec.convert`` raises for a value that does not fit its type: a
#: ValidationError, or a UnicodeEncodeError for text with a lone surrogate where it must
#: read the text (a number, a date, ...)
CONVERT_ERRORS: tuple[type[Exception], ...] = (msgspec.ValidationError, UnicodeEncodeError)

DECODE_ERRORS: tuple[type[Exception], ...] = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    UnicodeDecodeError,
    ValueError,
    TypeError,
)
