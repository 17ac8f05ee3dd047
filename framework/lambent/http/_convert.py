"""A path, query, header or cookie parameter's text converted into its annotation, as
msgspec converts it (``strict=False``: ``"5"`` is ``5``), booleans also from the words HTML
forms and pydantic use (``on``, ``yes``, ``off``, ``no``...)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import msgspec

from lambent._errors import ConfigurationError

__all__ = ["converter"]


def converter(ann: Any, label: str) -> Callable[[Any], Any] | None:
    """How a path, query, header or cookie parameter's text (or list of texts) becomes
    ``ann`` (None: it is the text); ConfigurationError (naming ``label``) when msgspec
    cannot convert into ``ann``."""
    if ann is str or ann is Any or ann == (str | None):
        return None
    try:
        msgspec.json.Decoder(ann)
    except TypeError as exc:
        raise ConfigurationError(
            f"{label}: cannot convert a parameter into {ann!r}: {exc}"
        ) from None

    if _has_bool(ann):
        return lambda value: msgspec.convert(_bool_words(value), ann, strict=False)

    def convert(value: Any) -> Any:
        return msgspec.convert(value, ann, strict=False)

    return convert


#: what HTML forms (a checkbox sends ``on``) and pydantic read as booleans, beyond the
#: ``true``/``false``/``1``/``0`` msgspec takes
_BOOL_WORDS = {
    **dict.fromkeys(("on", "yes", "y", "t"), "true"),
    **dict.fromkeys(("off", "no", "n", "f"), "false"),
}


def _has_bool(ann: Any) -> bool:
    return ann is bool or any(_has_bool(a) for a in typing.get_args(ann))


def _bool_words(value: Any) -> Any:
    """``value`` (a parameter's text, or a list of them) with :data:`_BOOL_WORDS` read."""
    if type(value) is str:
        return _BOOL_WORDS.get(value.lower(), value)
    if type(value) is list:
        return [_bool_words(v) for v in value]
    return value
