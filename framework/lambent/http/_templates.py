"""Path templates, compiled once at registration.

Template syntax (the API Gateway one): ``/orders/{order_id}``, a greedy last parameter
``/files/{path+}`` (one or more segments), literal text around a parameter in a segment
(``/reports/{day}.csv``). Parameters match one non-empty segment; converting them to the
handler's annotated type is the parameter resolver's business, not the router's. Other
frameworks' parameter syntax (``{id:int}``, Flask's ``<int:id>``, Express's ``:id``) is
refused, saying how to write it here, as is a query string (``/search?q=x``), which no
request's path has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambent._errors import ConfigurationError

__all__ = ["PathTemplate", "compile_path"]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}")
#: a parameter with a converter, as other frameworks write it (``{id:int}``)
_TYPED = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z_]+)[^}]*\}")
#: a parameter in Flask's syntax (``<id>``, ``<int:id>``)
_ANGLED = re.compile(r"<([A-Za-z_]+:)?([A-Za-z_][A-Za-z0-9_]*)>")
#: a parameter in Express's (and Hono's, Rails') syntax: a whole segment ``:id``
_COLON = re.compile(r"(?<=/):([A-Za-z_][A-Za-z0-9_]*)(?=/|$)")


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """A compiled template: static ones are looked up by text, dynamic ones by regex."""

    template: str
    params: tuple[str, ...]
    #: the regex source of a dynamic template (compiled only where it is matched: the
    #: routes' buckets, so defining a route compiles no regex of its own)
    pattern: str | None
    greedy: bool
    static_segments: int

    @property
    def is_static(self) -> bool:
        return self.pattern is None

    @property
    def shape(self) -> str:
        """The template with its parameters unnamed (``/orders/{}``, ``/files/{+}``):
        templates of one shape match the same paths."""
        return _PARAM.sub(lambda m: "{+}" if m.group(2) else "{}", self.template)

    @property
    def literal_length(self) -> int:
        """How much literal text the template has (``/reports/{day}.csv``: ``/reports/.csv``);
        of two templates with as many literal segments, the one with more is more specific."""
        return len(_PARAM.sub("", self.template))

    @property
    def regex(self) -> re.Pattern[str] | None:
        """The template alone as a compiled regex (``None`` when static)."""
        return None if self.pattern is None else re.compile(self.pattern)


def compile_path(template: str) -> PathTemplate:
    """Compile ``template``; ConfigurationError when it is not a valid path template."""
    if not template.startswith("/"):
        raise ConfigurationError(f"path template {template!r} must start with '/'")
    angled = _ANGLED.search(template)
    if angled is not None:  # Flask's syntax: a static segment that no request has
        raise ConfigurationError(
            f"path template {template!r}: a parameter is written {{{angled.group(2)}}}, not "
            f"{angled.group(0)} (its type is its handler parameter's annotation)"
        )
    colon = _COLON.search(template)
    if colon is not None:  # a static segment ":id" that no request has
        raise ConfigurationError(
            f"path template {template!r}: a parameter is written {{{colon.group(1)}}}, not "
            f"{colon.group(0)} (its type is its handler parameter's annotation)"
        )
    if "?" in template or "#" in template:  # the path a route matches never has them
        raise ConfigurationError(
            f"path template {template!r}: a template is a path, without a query string or "
            "fragment: query parameters are the handler's parameters (q: str, or "
            "Annotated[str, Query('name')])"
        )
    path = template.rstrip("/") or "/"
    pattern = ["^"]
    params: list[str] = []
    greedy = False
    pos = 0
    for found in _PARAM.finditer(path):
        if greedy:
            raise ConfigurationError(f"path template {template!r}: a greedy parameter must be last")
        name, plus = found.group(1), found.group(2)
        if name in params:
            raise ConfigurationError(
                f"path template {template!r}: parameter {name!r} appears twice"
            )
        params.append(name)
        pattern.append(re.escape(path[pos : found.start()]))
        if plus:
            if found.end() != len(path) or path[found.start() - 1] != "/":
                raise ConfigurationError(
                    f"path template {template!r}: {{{name}+}} must be a whole last segment"
                )
            greedy = True
            pattern.append(f"(?P<{name}>.+)")
        else:
            pattern.append(f"(?P<{name}>[^/]+)")
        pos = found.end()
    rest = path[pos:]
    left = _PARAM.sub("", path)
    if "{" in left or "}" in left:
        typed = _TYPED.search(path)
        hint = " (a parameter is {name}, or {name+} for the rest of the path)"
        if typed is not None and typed.group(2) == "path":
            hint = f": the rest of the path is {{{typed.group(1)}+}}"
        elif typed is not None:
            hint = (
                f": a parameter is {{{typed.group(1)}}}, and its type is its handler "
                f"parameter's annotation ({typed.group(1)}: {typed.group(2)})"
            )
        raise ConfigurationError(f"path template {template!r}: malformed parameter{hint}")
    pattern.append(re.escape(rest) + "$")
    static_segments = sum(1 for seg in path.split("/") if seg and "{" not in seg)
    source = "".join(pattern) if params else None
    return PathTemplate(path, tuple(params), source, greedy, static_segments)
