"""The normalised pieces of an HTTP request that every HTTP source adapts its event to:
multi-valued query and header mappings, cookies and bodies.

They belong to ``lambent.http`` (the router and handlers read them); the HTTP sources in
``lambent.sources`` build them from their own wire Structs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol, Self

__all__ = [
    "Headers",
    "QueryParams",
    "QueryStringViews",
    "body_payload",
    "decode_body",
    "parse_cookies",
]


class QueryParams(Mapping[str, str]):
    """A read-only multi-valued mapping; ``self[key]`` is the last value of ``key``."""

    __slots__ = ("_index",)
    #: whether names are case-insensitive (stored lowercase, as :meth:`_norm` gives them)
    _FOLD = False

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        index: dict[str, list[str]] = {}
        for key, value in items:
            index.setdefault(self._norm(key), []).append(value)
        self._index = index

    @staticmethod
    def _norm(key: str) -> str:
        return key

    @classmethod
    def from_maps(
        cls,
        single: Mapping[str, str | None] | None,
        multi: Mapping[str, Sequence[str | None] | None] | None,
        *,
        unquote: bool = False,
    ) -> Self:
        """Merge AWS's single- and multi-value maps: for a key in both, the multi-value entry
        wins. ``unquote`` form-decodes names and values (ALB passes them still encoded).

        The index is built in one pass over the maps (no pairs gathered first): what
        ``cls(pairs)`` would give for the multi-value map's pairs, then the single map's
        of the names it lacks."""
        if unquote:
            return cls(_unquoted(_pairs(single, multi, cls._norm)))
        fold = cls._FOLD
        index: dict[str, list[str]] = {}
        seen: set[str] = set()
        if multi:
            for key, values in multi.items():
                name = key.lower() if fold else key
                seen.add(name)
                for value in values or ():
                    if value is not None:
                        index.setdefault(name, []).append(value)
        if single:
            for key, one in single.items():
                if one is not None:
                    name = key.lower() if fold else key
                    if name not in seen:
                        index.setdefault(name, []).append(one)
        made = cls.__new__(cls)
        made._index = index
        return made

    @classmethod
    def parse(cls, raw: str) -> Self:
        """Parse a raw (still encoded) query string, without the leading ``?``."""
        from urllib.parse import parse_qsl  # raw query strings only (payload 2.0, ALB)

        return cls(parse_qsl(raw.removeprefix("?"), keep_blank_values=True))

    def __getitem__(self, key: str) -> str:
        return self._index[self._norm(key)][-1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._norm(key) in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def get_all(self, key: str) -> list[str]:
        """Every value of ``key`` in arrival order (``[]`` when absent)."""
        return list(self._index.get(self._norm(key), ()))

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(key, value)`` pair, repeated keys once per value."""
        return [(k, v) for k, values in self._index.items() for v in values]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class Headers(QueryParams):
    """Case-insensitive :class:`QueryParams`; names are stored and iterated lowercase."""

    __slots__ = ()
    _FOLD = True

    @staticmethod
    def _norm(key: str) -> str:
        return key.lower()


def _pairs(
    single: Mapping[str, str | None] | None,
    multi: Mapping[str, Sequence[str | None] | None] | None,
    norm: Callable[[str], str],
) -> list[tuple[str, str]]:
    """The pairs of AWS's two maps, the multi-value map's first, the single map's for the
    names it lacks (``norm``: how names compare)."""
    items: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, values in (multi or {}).items():
        seen.add(norm(key))
        items.extend((key, v) for v in values or () if v is not None)
    for key, value in (single or {}).items():
        if value is not None and norm(key) not in seen:
            items.append((key, value))
    return items


def _unquoted(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Form-decoded names and values (ALB passes them still encoded)."""
    from urllib.parse import unquote_plus  # ALB only: not imported by other apps

    return [(unquote_plus(k), unquote_plus(v)) for k, v in items]


def parse_cookies(values: Iterable[str]) -> dict[str, str]:
    """Cookies from ``Cookie`` header values (or HTTP API's ``cookies`` entries).

    Each value may hold several ``name=value`` pairs separated by ``;``. A pair without ``=``
    is a value with an empty name (as browsers send it); a later duplicate name wins.
    """
    cookies: dict[str, str] = {}
    for value in values:
        for chunk in value.split(";"):
            chunk = chunk.strip()
            if not chunk:
                continue
            name, sep, val = chunk.partition("=")
            if not sep:
                name, val = "", name
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1]
            cookies[name.strip()] = val
    return cookies


class _MultiValued(Protocol):
    def get_all(self, key: str) -> list[str]: ...


class _QueryStringRequest(Protocol):
    @property
    def querystring(self) -> str: ...
    @property
    def headers(self) -> _MultiValued: ...


class QueryStringViews:
    """``query`` and ``cookies`` of a request that carries its query string still encoded
    (``querystring``) and its cookies in ``Cookie`` headers (CloudFront's)."""

    __slots__ = ()

    @property
    def query(self: _QueryStringRequest) -> QueryParams:
        return QueryParams.parse(self.querystring)

    @property
    def cookies(self: _QueryStringRequest) -> dict[str, str]:
        return parse_cookies(self.headers.get_all("cookie"))


def decode_body(body: str | None, is_base64: bool) -> bytes:
    """The body as bytes: base64-decoded when ``is_base64``, else UTF-8 encoded.

    Lenient on purpose: a body flagged base64 that is not valid base64 is taken as text.
    API Gateway never sends that, but hand-written test events (and widely copied sample
    events) do, and failing the request on them would help nobody.
    """
    if not body:
        return b""
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            pass
    return body.encode()


def body_payload(body: str | None, is_base64: bool) -> str | bytes:
    """What a handler's declared body type is decoded from: the text itself when it is not
    base64 (no copy), else the decoded bytes (see :func:`decode_body`). ``""`` when absent."""
    if is_base64:
        return decode_body(body, True)
    return body or ""
