"""The OpenAPI document (lambent.openapi); ``lambent openapi`` is in tests/cli/test_openapi.py."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import pydantic
import pytest
from openapi_spec_validator import validate

from examples.catalog import items
from examples.catalog.app import app as catalog
from lambent import App, ConfigurationError, Depends, Router
from lambent.http import Cookie, Header, Query, Request, Response
from lambent.openapi import RequestValidationError, document

ROOT = Path(__file__).resolve().parent.parent
REF = "#/components/schemas/{name}"


class Tag(msgspec.Struct):
    name: str
    weight: Annotated[float, msgspec.Meta(gt=0)] = 1.0


def tenant(x_tenant: Annotated[str, Header()]) -> Iterator[str]:
    yield x_tenant


def _app() -> App:
    app = App(name="tags")
    inner, outer = Router(tags=["tags"]), Router(tags=["v1"])

    @inner.get("/tags/{tag_id}")
    def get_tag(
        tag_id: int,
        who: Annotated[str, Depends(tenant)],
        fields: Annotated[list[str], Query("field")] = [],  # noqa: B006
        session: Annotated[str | None, Cookie()] = None,
    ) -> Tag:
        """Fetch a tag.

        Fields are optional.
        """
        return Tag(str(tag_id))

    @inner.post("/tags")
    def add_tag(tag: Tag) -> None:
        """Add a tag."""

    outer.include(inner, prefix="/t")

    @app.put("/raw/{path+}")
    def raw(path: str, data: bytes) -> bytes:
        return data

    @app.get("/text")
    def text(request: Request) -> str:
        return "x"

    @app.get("/built")
    def built() -> Response:
        return Response()

    app.include(outer, prefix="/v1")
    return app


def test_the_example_apps_document_is_valid_openapi_3_1() -> None:
    doc = document(catalog)
    validate(doc)  # raises when invalid
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] == "catalog"
    assert set(doc["paths"]) == {"/health", "/v1/items", "/v1/items/{sku}"}
    assert set(doc["paths"]["/v1/items/{sku}"]) == {"get", "put"}


def test_schemas_are_msgspecs_for_the_same_types() -> None:
    doc = document(catalog)
    _, expected = msgspec.json.schema_components(
        [items.Item, items.NewItem, RequestValidationError], ref_template=REF
    )
    assert doc["components"]["schemas"] == expected
    put = doc["paths"]["/v1/items/{sku}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewItem"
    }
    listed = doc["paths"]["/v1/items"]["get"]["responses"]["200"]["content"]
    assert (
        listed["application/json"]["schema"]
        == msgspec.json.schema_components([list[items.Item]], ref_template=REF)[0][0]
    )


def test_operations_carry_parameters_bodies_responses_docs_and_tags() -> None:
    doc = document(_app())
    validate(doc)
    get = doc["paths"]["/v1/t/tags/{tag_id}"]["get"]
    assert get["summary"] == "Fetch a tag." and get["description"] == "Fields are optional."
    assert get["tags"] == ["v1", "tags"] and get["operationId"] == "get_tag"
    assert get["parameters"] == [
        {"name": "tag_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "x-tenant", "in": "header", "required": True, "schema": {"type": "string"}},
        {
            "name": "field",
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string"}},
            "explode": True,
        },
        {
            "name": "session",
            "in": "cookie",
            "required": False,
            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    ]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Tag"
    }
    assert "422" in get["responses"]
    post = doc["paths"]["/v1/t/tags"]["post"]
    assert post["requestBody"]["required"] is True
    assert post["responses"]["204"] == {"description": "No Content"}
    raw = doc["paths"]["/raw/{path}"]["put"]
    assert raw["requestBody"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "422" in raw["responses"]  # the body is required
    text = doc["paths"]["/text"]["get"]
    assert text["responses"] == {
        "200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
    }
    assert "parameters" not in text  # the Request is no request parameter
    assert doc["paths"]["/built"]["get"]["responses"] == {
        "default": {"description": "The Response the handler builds"}
    }


def test_importing_and_running_an_app_loads_no_generator() -> None:
    code = (
        "import sys\n"
        "from examples.catalog.app import app\n"
        "from lambent.testing import TestClient\n"
        "assert TestClient(app).get('/v1/items').status == 200\n"
        "loaded = [m for m in sys.modules if m in ('lambent.openapi', 'lambent._cli')\n"
        "          or m.startswith('openapi_spec_validator')]\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


class Opaque:
    """A type msgspec has no JSON Schema for."""


def test_optional_and_unschematic_returns_are_described_as_well_as_they_can_be() -> None:
    app = App()

    @app.get("/maybe")
    def maybe() -> Tag | None:
        return None

    @app.get("/either")
    def either() -> Response | None:
        return None

    @app.get("/opaque")
    def opaque() -> Opaque:
        return Opaque()

    doc = document(app)
    validate(doc)
    responses = {path: item["get"]["responses"] for path, item in doc["paths"].items()}
    assert set(responses["/maybe"]) == {"200", "204"}
    assert responses["/maybe"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Tag"
    }
    assert set(responses["/either"]) == {"default", "204"}
    assert responses["/opaque"] == {"200": {"description": "OK"}}


def test_a_status_tuple_return_documents_its_body_under_its_statuses() -> None:
    app = App()

    @app.post("/tags")
    def create(tag: Tag) -> tuple[Tag, Literal[201, 202]]:
        return tag, 201

    @app.put("/tags")
    def put(tag: Tag) -> tuple[Tag, int, dict[str, str]]:
        return tag, 200, {}

    @app.delete("/tags")
    def delete() -> tuple[None, Literal[204]]:
        return None, 204

    def pair() -> tuple[str, str]:  # no status in it: a JSON array was meant, and every
        return "a", "b"  # call would answer 500 (the status "b"): refused, not documented

    with pytest.raises(ConfigurationError, match="return a list for a JSON array"):
        app.get("/tags")(pair)

    doc = document(app)
    validate(doc)
    responses = {  # less the 422 of a body that does not convert
        m: {k: v for k, v in op["responses"].items() if k != "422"}
        for m, op in doc["paths"]["/tags"].items()
    }
    tag = {"application/json": {"schema": {"$ref": "#/components/schemas/Tag"}}}
    assert {k: (v["description"], v.get("content")) for k, v in responses["post"].items()} == {
        "201": ("Created", tag),
        "202": ("Accepted", tag),
    }
    assert responses["put"] == {
        "default": {"description": "The status the handler returns", "content": tag}
    }
    assert responses["delete"] == {"204": {"description": "No Content"}}
    assert "get" not in responses


@pytest.mark.network
def test_lambent_dev_serves_the_document_when_asked() -> None:
    """``lambent dev APP --openapi --no-reload`` on a port of its choosing."""
    import re
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "lambent", "dev", "examples.catalog.app:app", "--port", "0",
         "--no-reload", "--openapi"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)", banner)
        assert found, banner
        with urllib.request.urlopen(found[1] + "/openapi.json", timeout=10) as answer:
            served = json.loads(answer.read())
        assert served == document(catalog)
        with urllib.request.urlopen(found[1] + "/v1/items/pen", timeout=10) as answer:
            assert json.loads(answer.read())["name"] == "Pen"
    finally:
        process.terminate()
        process.wait(timeout=10)


class ModelLine(pydantic.BaseModel):
    sku: str
    qty: int = pydantic.Field(gt=0)


class ModelOrder(pydantic.BaseModel):
    """An order, as a pydantic model."""

    order_id: str
    lines: list[ModelLine]


def test_pydantic_models_are_documented_with_pydantics_own_schemas() -> None:
    app = App()

    @app.post("/orders")
    def create(order: ModelOrder) -> ModelOrder:
        return order

    @app.get("/orders")
    def listing() -> list[ModelOrder]:
        return []

    doc = document(app)
    validate(doc)
    ref = {"$ref": "#/components/schemas/ModelOrder"}
    create_op, list_op = doc["paths"]["/orders"]["post"], doc["paths"]["/orders"]["get"]
    assert create_op["requestBody"]["content"]["application/json"]["schema"] == ref
    assert create_op["responses"]["200"]["content"]["application/json"]["schema"] == ref
    assert list_op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": ref,
    }
    schemas = doc["components"]["schemas"]
    refs = "#/components/schemas/{model}"
    want = pydantic.TypeAdapter(ModelOrder).json_schema(ref_template=refs)
    assert schemas["ModelLine"] == want.pop("$defs")["ModelLine"]
    assert schemas["ModelOrder"] == want
    assert schemas["ModelLine"]["properties"]["qty"]["exclusiveMinimum"] == 0
