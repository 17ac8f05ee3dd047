"""A mutable, case-insensitive, multi-valued header collection for responses and edge views.

Request headers are read through the sources' read-only :class:`~lambent.sources._http.Headers`;
what a handler *writes* (a :class:`~lambent.http.Response`'s headers, a Lambda@Edge request
or response) is a :class:`MutableHeaders`: names match case-insensitively, keep the case they
were first written with (CloudFront and REST APIs show it), and may repeat.

``h[name]`` is the **last** value, as for the read-only kind; ``h.get_all(name)`` every value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence

__all__ = ["HeaderInput", "MutableHeaders"]

#: what constructors accept: a mapping (a list value repeats the name) or ``(name, value)``
#: pairs; a value is a ``str``, or a number written as its text
HeaderValue = str | int | float
HeaderInput = (
    Mapping[str, HeaderValue | Sequence[HeaderValue]] | Iterable[tuple[str, HeaderValue]] | None
)


def _pair(name: object, value: object) -> tuple[str, str]:
    """A header as written: a ``str`` name and value; a number (not a bool) is its text
    (``Content-Length: 5``); anything else is ``TypeError`` naming the header (it would
    not render alike on every source)."""
    if not isinstance(name, str):
        raise TypeError(f"a header name is a str, not {name!r}")
    if isinstance(value, str):
        return name, value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return name, str(value)
    raise TypeError(f"header {name!r}: a value is a str (or a number), not {type(value).__name__}")


class MutableHeaders(MutableMapping[str, str]):
    """Ordered ``(name, value)`` pairs with case-insensitive lookups."""

    __slots__ = ("_items",)

    def __init__(self, headers: HeaderInput = None) -> None:
        self._items: list[tuple[str, str]] = []
        if headers is None:
            return
        items = self._items
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if value.__class__ is str and name.__class__ is str:
                    items.append((name, value))
                elif isinstance(value, list | tuple):
                    items.extend(_pair(name, v) for v in value)
                else:
                    items.append(_pair(name, value))
        else:
            for pair in headers:
                if not (isinstance(pair, tuple | list) and len(pair) == 2):
                    raise TypeError(f"headers are (name, value) pairs, not {pair!r}")
                items.append(_pair(*pair))

    def __getitem__(self, name: str) -> str:
        lower = name.lower()
        for key, value in reversed(self._items):
            if key.lower() == lower:
                return value
        raise KeyError(name)

    def __setitem__(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by ``value`` (keeping the first spelling's case)."""
        name, value = _pair(name, value)
        lower = name.lower()
        for i, (key, _) in enumerate(self._items):
            if key.lower() == lower:
                self._items[i] = (key, value)
                self._items[i + 1 :] = [kv for kv in self._items[i + 1 :] if kv[0].lower() != lower]
                return
        self._items.append((name, value))

    def __delitem__(self, name: str) -> None:
        lower = name.lower()
        kept = [kv for kv in self._items if kv[0].lower() != lower]
        if len(kept) == len(self._items):
            raise KeyError(name)
        self._items = kept

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        lower = name.lower()
        return any(key.lower() == lower for key, _ in self._items)

    def __iter__(self) -> Iterator[str]:
        """Distinct names, lower-case, in first-appearance order."""
        seen: dict[str, None] = {}
        for key, _ in self._items:
            seen.setdefault(key.lower(), None)
        return iter(seen)

    def __len__(self) -> int:
        return len({key.lower() for key, _ in self._items})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MutableHeaders):
            mine = {k: v for k, (_, v) in self.grouped().items()}
            return mine == {k: v for k, (_, v) in other.grouped().items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def add(self, name: str, value: str) -> None:
        """Add one more value of ``name``."""
        self._items.append(_pair(name, value))

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self._items if key.lower() == lower]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every pair as written (original case), repeated names once per value."""
        return list(self._items)

    def grouped(self) -> dict[str, tuple[str, list[str]]]:
        """``{lower-name: (first spelling, [values])}`` in first-appearance order."""
        out: dict[str, tuple[str, list[str]]] = {}
        for key, value in self._items:
            entry = out.get(key.lower())
            if entry is None:
                out[key.lower()] = (key, [value])
            else:
                entry[1].append(value)
        return out

    def copy(self) -> MutableHeaders:
        new = MutableHeaders()
        new._items = list(self._items)
        return new

    def __repr__(self) -> str:
        return f"MutableHeaders({self._items!r})"
