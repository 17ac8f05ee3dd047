"""pydantic v2 models, where lambent meets them: payloads decoded into them (validated
by pydantic itself, its errors as lambent's :class:`~lambent.sources._base.FieldError`),
and results made of them sent as their JSON (``model_dump(mode="json")``). pydantic is
imported by the user's models, never by lambent: it is looked up in ``sys.modules``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from lambent._errors import ConfigurationError
from lambent.sources._base import FieldError, PayloadFormat

__all__ = ["model_schema", "model_value", "pydantic_decoder", "pydantic_error"]


def model_value(obj: Any) -> Any:
    """msgspec's ``enc_hook`` wherever lambent sends a handler's result as JSON: a pydantic
    model's JSON value; anything else msgspec cannot encode is refused with msgspec's own
    ``TypeError``."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(obj, pydantic.BaseModel):
        return obj.model_dump(mode="json")
    raise TypeError(f"Encoding objects of type {type(obj).__name__} is unsupported")


def model_schema(tp: Any, ref_template: str) -> tuple[str, dict[str, Any]] | None:
    """A pydantic model's JSON Schema as pydantic writes it, for an OpenAPI document:
    ``(name, schemas)``, ``schemas`` holding the model's own under ``name`` and every model
    it refers to (by ``ref_template``, formatted with ``model``); None for anything else."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not (isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)):
        return None
    schema = dict(pydantic.TypeAdapter(tp).json_schema(ref_template=ref_template))
    found: dict[str, Any] = schema.pop("$defs", {})
    found[tp.__name__] = schema
    return tp.__name__, found


def pydantic_decoder(
    tp: Any, fmt: PayloadFormat, where: str, custom: list[type[Any]]
) -> Callable[[Any], Any]:
    """A decoder validating with pydantic, when every class msgspec cannot decode is a
    pydantic model (pydantic is imported by the user's models, never by lambent)."""
    pydantic = sys.modules.get("pydantic")
    others = [c for c in custom if pydantic is None or not issubclass(c, pydantic.BaseModel)]
    if pydantic is None or others:
        shown = ", ".join(c.__qualname__ for c in others or custom)
        raise ConfigurationError(
            f"{where}: cannot decode a payload into {tp!r}: lambent decodes msgspec Structs, "
            "dataclasses, TypedDicts, NamedTuples, builtin types and pydantic models, "
            f"not {shown}"
        )
    try:
        adapter = pydantic.TypeAdapter(tp)
    except pydantic.PydanticUserError as exc:
        raise ConfigurationError(f"{where}: cannot decode a payload into {tp!r}: {exc}") from None
    validate = adapter.validate_json if fmt == "json" else adapter.validate_python
    invalid = pydantic.ValidationError

    def decode(value: Any) -> Any:
        try:
            return validate(value)
        except invalid as exc:
            raise pydantic_error(exc) from None

    return decode


def pydantic_error(exc: Any) -> FieldError:
    """A pydantic ValidationError as a FieldError naming the first bad field's ``$.path``."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    more = exc.error_count() - 1
    return FieldError(str(first["msg"]) + (f" (and {more} more)" if more > 0 else ""), path)
