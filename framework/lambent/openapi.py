"""An OpenAPI 3.1 document of an app's HTTP routes, built from the types they declare.

``lambent openapi module:app [-o openapi.json]`` writes it; :func:`document` returns it.
It is a build-time tool: nothing in lambent imports this module while an app runs.

Each route becomes an operation: its path and method, its path, query, header and
cookie parameters (a dependency's too) with their JSON Schema, its request body, its
response (from the handler's return annotation: a type is a ``200`` JSON body, ``str``
text, ``bytes`` binary, ``None`` ``204``, a ``Response`` the ``default`` response, a
``(body, status)`` tuple its body under its ``Literal`` statuses or ``default``), a
``422`` when a parameter can fail to convert or be missing, the handler's docstring (summary and description) and its routers' tags.
Schemas come from :func:`msgspec.json.schema_components`, so they are exactly msgspec's;
named types go to ``components/schemas``. A pydantic model's schema is pydantic's own
(``TypeAdapter.json_schema``), its models in ``components/schemas`` too.
"""

from __future__ import annotations

import inspect
import json
import types as types_module
import typing
from collections.abc import Iterable
from typing import Any

import msgspec

from lambent._inject import hints
from lambent._pydantic import model_schema
from lambent._web import web_router
from lambent.http._plan import MISSING, From, HttpParam
from lambent.http._registration import HttpRoute
from lambent.http._response import Response, reason

__all__ = ["docs_page", "document"]

_REF = "#/components/schemas/{name}"
_IN = {From.PATH: "path", From.QUERY: "query", From.HEADER: "header", From.COOKIE: "cookie"}
_NO_BODY = (type(None), None)


class RequestValidationError(msgspec.Struct):
    """The body of a 422 answer: which part of the request did not convert, and where."""

    status: int
    error: str
    message: str
    path: str


def document(app: Any, *, title: str | None = None, version: str = "0.1.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s HTTP routes (``title``: the app's name)."""
    router = web_router(app)
    endpoints = [] if router is None else router.routes.endpoints()
    operations: list[tuple[str, str, HttpRoute]] = [
        (_openapi_path(endpoint.path.template), method, route)
        for endpoint in endpoints
        for method, route in endpoint.routes.items()
    ]
    types = _Types()
    paths: dict[str, dict[str, Any]] = {}
    names = _operation_ids(operations)
    for path, method, route in operations:
        paths.setdefault(path, {})[method.lower()] = _operation(route, names[(path, method)], types)
    schemas, components = types.resolve()
    for operation in (op for item in paths.values() for op in item.values()):
        _fill(operation, schemas)
    out: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title or getattr(app, "name", "lambent"), "version": version},
        "paths": dict(sorted(paths.items())),
    }
    if components:
        out["components"] = {"schemas": dict(sorted(components.items()))}
    return out


class _Types:
    """Types seen while building operations; their schemas are made in one call at the
    end, so that shared types are defined once in ``components``."""

    def __init__(self) -> None:
        self.types: list[Any] = []
        #: the schemas of the pydantic models met (pydantic's own)
        self.models: dict[str, Any] = {}

    def ref(self, tp: Any) -> int:
        """A placeholder for ``tp``'s schema (replaced by :func:`_fill`)."""
        self.types.append(tp)
        return len(self.types) - 1

    def resolve(self) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
        schemas, components = msgspec.json.schema_components(
            self.types, ref_template=_REF, schema_hook=self.hook
        )
        return schemas, {**self.models, **components}

    def hook(self, tp: Any) -> dict[str, Any]:
        """A reference to a pydantic model's schema, kept in :attr:`models` (msgspec's
        ``schema_hook``: it has no schema of its own for such a class)."""
        found = model_schema(tp, _REF.replace("{name}", "{model}"))
        if found is None:
            raise TypeError(f"no JSON Schema for {tp!r}")
        name, schemas = found
        self.models.update(schemas)
        return {"$ref": _REF.format(name=name)}


class _Schema:
    """Stands for the schema of the type at ``index`` until the schemas are made."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _fill(node: Any, schemas: tuple[dict[str, Any], ...]) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, _Schema):
            node[key] = schemas[value.index]
        elif isinstance(value, dict | list):
            _fill(value, schemas)


def _openapi_path(template: str) -> str:
    """API Gateway's greedy ``{path+}`` is ``{path}`` in OpenAPI."""
    return template.replace("+}", "}")


def _operation_ids(operations: Iterable[tuple[str, str, HttpRoute]]) -> dict[tuple[str, str], str]:
    """Each operation's id: its handler's name, with the method when one handler serves
    several operations, and a number when names still collide."""
    listed = list(operations)
    counts: dict[str, int] = {}
    for _, _, route in listed:
        counts[route.plan.fn.__name__] = counts.get(route.plan.fn.__name__, 0) + 1
    out: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for path, method, route in listed:
        name = route.plan.fn.__name__
        if counts[name] > 1:
            name = f"{name}_{method.lower()}"
        base, n = name, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        out[(path, method)] = name
    return out


def _operation(route: HttpRoute, operation_id: str, types: _Types) -> dict[str, Any]:
    fn = route.plan.fn
    op: dict[str, Any] = {"operationId": operation_id}
    doc = inspect.getdoc(fn)
    if doc:
        summary, _, description = doc.partition("\n")
        op["summary"] = summary.strip()
        if description.strip():
            op["description"] = description.strip()
    if route.tags:
        op["tags"] = list(dict.fromkeys(route.tags))
    params = route.plan.flat_params()
    parameters = [_parameter(p, types) for p in params if p.source in _IN]
    if parameters:
        op["parameters"] = parameters
    body = next((p for p in params if p.source is From.BODY), None)
    if body is not None:
        op["requestBody"] = {
            "required": body.default is MISSING,
            "content": _content(body.annotation, types),
        }
    op["responses"] = _responses(fn, types)
    if any(_may_fail(p) for p in params):
        op["responses"]["422"] = {
            "description": "A parameter or the body did not convert to its type",
            "content": {"application/json": {"schema": _Schema(types.ref(RequestValidationError))}},
        }
    return op


def _may_fail(param: HttpParam) -> bool:
    """The parameter can answer 422: it converts its text, or it is required and may be
    missing."""
    if param.source is From.BODY:
        return True
    if param.source not in _IN:
        return False
    return param.convert is not None or (param.source is not From.PATH and param.default is MISSING)


def _parameter(param: HttpParam, types: _Types) -> dict[str, Any]:
    where = _IN[param.source]
    out: dict[str, Any] = {
        "name": param.key,
        "in": where,
        "required": where == "path" or param.default is MISSING,
        "schema": _schema(param.annotation, types),
    }
    if param.multi and where == "query":
        out["explode"] = True
    return out


def _content(tp: Any, types: _Types) -> dict[str, Any]:
    if tp is bytes:
        return {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    if tp is str:
        return {"text/plain": {"schema": {"type": "string"}}}
    return {"application/json": {"schema": _schema(tp, types)}}


def _schema(tp: Any, types: _Types) -> Any:
    """``tp``'s schema, or an empty one (anything) for a type msgspec has none for."""
    return _Schema(types.ref(tp)) if _has_schema(tp) else {}


def _responses(fn: Any, types: _Types) -> dict[str, Any]:
    """From the return annotation: ``None`` is a 204, a ``Response`` the ``default``
    response, a type msgspec has a schema for a 200 body (``T | None``: both); a
    ``(body, status[, headers])`` tuple the body's type under each status a ``Literal``
    names, else under ``default`` (:func:`_status_tuple`)."""
    returns = hints(fn).get("return", MISSING)
    pair = _status_tuple(returns)
    if pair is not None:
        body, statuses = pair
        answer: dict[str, Any] = {"description": "The status the handler returns"}
        if body not in _NO_BODY and body is not Any and _has_schema(body):
            answer["content"] = _content(body, types)
        return {str(s): {**answer, "description": reason(s)} for s in statuses} or {
            "default": answer
        }
    members = (
        list(typing.get_args(returns))
        if typing.get_origin(returns) in (typing.Union, types_module.UnionType)
        else [returns]
    )
    out: dict[str, Any] = {}
    bodies = [m for m in members if m not in _NO_BODY]
    if bodies and all(m is not MISSING and m is not Any and m is not Response for m in bodies):
        body = bodies[0] if len(bodies) == 1 else typing.Union[tuple(bodies)]  # noqa: UP007
        if _has_schema(body):
            out["200"] = {"description": "OK", "content": _content(body, types)}
    if any(m is Response for m in bodies):
        out["default"] = {"description": "The Response the handler builds"}
    elif bodies and "200" not in out:
        out["200"] = {"description": "OK"}
    if len(bodies) < len(members):
        out["204"] = {"description": "No Content"}
    return out


def _status_tuple(returns: Any) -> tuple[Any, list[int]] | None:
    """``(body type, statuses)`` of a return annotation ``tuple[T, int]`` (or with a
    third, headers, type): the statuses a ``Literal[201, ...]`` names, else none; None for
    any other annotation."""
    if typing.get_origin(returns) is not tuple:
        return None
    args = typing.get_args(returns)
    if len(args) not in (2, 3):
        return None
    status = args[1]
    if typing.get_origin(status) is typing.Literal:
        codes = typing.get_args(status)
        if all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
            return args[0], sorted(int(c) for c in codes)
        return None
    if isinstance(status, type) and issubclass(status, int) and status is not bool:
        return args[0], []
    return None


def _has_schema(tp: Any) -> bool:
    if tp in (str, bytes):
        return True
    try:
        msgspec.json.schema(tp, schema_hook=_Types().hook)
    except TypeError:
        return False
    return True


def docs_page(url: str, *, title: str = "API") -> str:
    """An HTML page showing the OpenAPI document at ``url`` with Swagger UI (loaded from
    the jsDelivr CDN: for local use, as ``lambent dev --openapi`` serves it at ``/docs``)."""
    from html import escape

    ui = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{ui}/swagger-ui.css"></head>'
        '<body><div id="ui"></div>'
        f'<script src="{ui}/swagger-ui-bundle.js"></script>'
        f"<script>SwaggerUIBundle({{url: {json.dumps(url)}, dom_id: '#ui'}});</script>"
        "</body></html>\n"
    )
