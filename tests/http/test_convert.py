"""A parameter's text converted into its annotation (``lambent.http._convert``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from lambent import App
from lambent.http import Cookie, Header
from lambent.http._convert import converter
from lambent.testing import TestClient


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("1", True), ("on", True), ("Yes", True), ("y", True), ("T", True),
     ("false", False), ("0", False), ("off", False), ("NO", False), ("n", False), ("f", False)],
)  # fmt: skip
def test_booleans_read_the_words_forms_and_pydantic_send(text: str, value: bool) -> None:
    """An HTML checkbox sends ``on``, and FastAPI (pydantic) reads ``yes``/``no``: they
    answered 422 (``Expected `bool`, got `str` ``)."""
    for ann in (bool, bool | None, Annotated[bool, msgspec.Meta(title="flag")]):
        convert = converter(ann, "here")
        assert convert is not None and convert(text) is value
    many = converter(list[bool], "here")
    assert many is not None and many([text, "true"]) == [value, True]


@pytest.mark.parametrize("text", ["maybe", "", "2", "ja"])
def test_other_words_are_no_booleans(text: str) -> None:
    convert = converter(bool, "here")
    assert convert is not None
    with pytest.raises(msgspec.ValidationError):
        convert(text)


@pytest.mark.parametrize("ann", [int, int | None, list[int]])
def test_other_types_take_no_bool_words(ann: Any) -> None:
    convert = converter(ann, "here")
    assert convert is not None
    with pytest.raises(msgspec.ValidationError):
        convert(["on"] if ann == list[int] else "on")


def test_every_kind_of_parameter_reads_them() -> None:
    app = App()

    @app.get("/b/{p}")
    def flags(
        p: bool,
        q: bool = False,
        many: list[bool] = [],  # noqa: B006
        h: Annotated[bool, Header("x-flag")] = False,
        c: Annotated[bool | None, Cookie()] = None,
    ) -> list[Any]:
        return [p, q, many, h, c]

    r = TestClient(app).get("/b/on?q=yes&many=on&many=off", headers={"X-Flag": "Y"},
                            cookies={"c": "no"})  # fmt: skip
    assert r.json() == [True, True, [True, False], True, False]
    bad = TestClient(app).get("/b/maybe")
    assert bad.status == 422
    assert bad.json()["message"] == "path parameter 'p': Expected `bool`, got `str`"
