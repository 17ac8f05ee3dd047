"""Path templates (:mod:`lambent.http._templates`): compiled once at registration; a
template that is not one is refused, saying how to write it."""

from __future__ import annotations

import re

import pytest

from lambent._errors import ConfigurationError
from lambent.http._templates import compile_path


def test_compile() -> None:
    static = compile_path("/orders/")
    assert static.template == "/orders" and static.is_static and static.params == ()
    t = compile_path("/orders/{order_id}/lines/{line}")
    assert t.params == ("order_id", "line") and not t.greedy and t.static_segments == 2
    assert compile_path("/files/{path+}").greedy
    assert compile_path("/reports/{day}.csv").regex is not None


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("orders", "must start with '/'"),
        ("/a/{x}/{x}", "parameter 'x' appears twice"),
        ("/a/{p+}/b", "{p+} must be a whole last segment"),
        ("/a{p+}", "{p+} must be a whole last segment"),
        ("/a/{x", "malformed parameter"),
        ("/a/{1x}", "malformed parameter"),
        ("/a/x}", "malformed parameter"),
    ],
)
def test_bad_templates(bad: str, said: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(f"path template {bad!r}")) as info:
        compile_path(bad)
    assert said in str(info.value)


@pytest.mark.parametrize("path", ["/v1/things:batchGet", "/a/b:c/{x}", "/time/12:30"])
def test_a_colon_inside_a_segment_is_literal_text(path: str) -> None:
    assert compile_path(path).template == path


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("/items/{item_id:int}", "a parameter is {item_id}, and its type is its handler "
         "parameter's annotation (item_id: int)"),
        ("/files/{rest:path}", "the rest of the path is {rest+}"),
        ("/items/<int:item_id>", "a parameter is written {item_id}, not <int:item_id>"),
        ("/items/<item_id>/lines", "a parameter is written {item_id}, not <item_id>"),
        ("/a/{x", "(a parameter is {name}, or {name+} for the rest of the path)"),
        ("/items/:item_id", "a parameter is written {item_id}, not :item_id"),
        ("/items/:item_id/lines", "a parameter is written {item_id}, not :item_id"),
        ("/search?q=1", "a template is a path, without a query string or fragment"),
        ("/page#top", "a template is a path, without a query string or fragment"),
    ],
)  # fmt: skip
def test_other_frameworks_parameter_syntax_is_refused_saying_how_to_write_it(
    written: str, said: str
) -> None:
    # ``<int:id>`` would otherwise be a static segment no request has
    with pytest.raises(ConfigurationError) as info:
        compile_path(written)
    assert str(info.value).startswith(f"path template {written!r}: ") and said in str(info.value)
