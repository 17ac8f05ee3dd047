"""``MutableHeaders``: ordered, case-insensitive, multi-valued headers for what handlers
write, checked against a plain list of pairs under random edits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App
from lambent.http import MutableHeaders, Response
from lambent.testing import TestClient


def test_lookups_ignore_case_and_keep_the_first_spelling() -> None:
    h = MutableHeaders({"A": ["1", "2"], "b": "3"})
    assert h["a"] == "2" and h.get_all("A") == ["1", "2"] and list(h) == ["a", "b"] and len(h) == 2
    h["a"] = "x"
    assert h.multi_items() == [("A", "x"), ("b", "3")]
    del h["B"]
    assert "b" not in h and h == MutableHeaders([("a", "x")])


def test_constructors_and_copies() -> None:
    assert MutableHeaders().multi_items() == [] and len(MutableHeaders(None)) == 0
    pairs = MutableHeaders([("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert pairs.grouped() == {"set-cookie": ("Set-Cookie", ["a=1", "b=2"])}
    copy = pairs.copy()
    copy.add("X", "1")
    assert "x" not in pairs and copy != pairs
    assert repr(MutableHeaders({"A": "1"})) == "MutableHeaders([('A', '1')])"
    assert MutableHeaders({"A": "1"}) != {"a": "1"}  # only headers compare equal to headers
    assert 5 not in MutableHeaders({"A": "1"})  # type: ignore[comparison-overlap]  # not a name
    with pytest.raises(KeyError):
        MutableHeaders()["a"]
    with pytest.raises(KeyError):
        del MutableHeaders()["a"]
    with pytest.raises(TypeError):
        hash(MutableHeaders())


NAMES = st.sampled_from(["Accept", "accept", "ACCEPT", "X-Id", "x-id", "Set-Cookie"])
VALUES = st.text(alphabet="abc=; ", max_size=4)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), NAMES, VALUES),
        st.tuples(st.just("set"), NAMES, VALUES),
        st.tuples(st.just("del"), NAMES, st.just("")),
    ),
    max_size=12,
)


def _apply(model: list[tuple[str, str]], op: str, name: str, value: str) -> bool:
    """The edit on a plain list of pairs; False where MutableHeaders raises KeyError."""
    lower = name.lower()
    same = [i for i, (k, _) in enumerate(model) if k.lower() == lower]
    if op == "add":
        model.append((name, value))
    elif op == "set" and same:
        model[same[0]] = (model[same[0]][0], value)
        for i in reversed(same[1:]):
            del model[i]
    elif op == "set":
        model.append((name, value))
    elif not same:
        return False
    else:
        model[:] = [kv for kv in model if kv[0].lower() != lower]
    return True


@given(EDITS)
def test_edits_behave_like_a_list_of_pairs(edits: list[tuple[str, str, str]]) -> None:
    headers = MutableHeaders()
    model: list[tuple[str, str]] = []
    for op, name, value in edits:
        if not _apply(model, op, name, value):
            with pytest.raises(KeyError):
                del headers[name]
            continue
        if op == "add":
            headers.add(name, value)
        elif op == "set":
            headers[name] = value
        else:
            del headers[name]
    assert headers.multi_items() == model
    names = list(dict.fromkeys(k.lower() for k, _ in model))
    assert list(headers) == names and len(headers) == len(names)
    for name in ["accept", "X-ID", "set-cookie", "other"]:
        values = [v for k, v in model if k.lower() == name.lower()]
        assert headers.get_all(name) == values
        assert (name in headers) is bool(values)
        assert headers.get(name) == (values[-1] if values else None)
    assert headers == MutableHeaders(model) == headers.copy()


@given(st.dictionaries(NAMES, st.lists(VALUES, min_size=1, max_size=3) | VALUES))
def test_a_mapping_with_list_values_repeats_the_name(given_map: dict[str, Any]) -> None:
    headers = MutableHeaders(given_map)
    expected = [
        (name, v)
        for name, value in given_map.items()
        for v in ([value] if isinstance(value, str) else value)
    ]
    assert headers.multi_items() == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda v: MutableHeaders({"X-N": v}),
        lambda v: MutableHeaders({"X-N": [v]}),
        lambda v: MutableHeaders([("X-N", v)]),
        lambda v: MutableHeaders().__setitem__("X-N", v),
        lambda v: MutableHeaders().add("X-N", v),
    ],
    ids=["mapping", "list", "pairs", "set", "add"],
)
def test_a_header_value_is_text_a_number_its_text_anything_else_refused(make: Any) -> None:
    mixed: dict[str, Any] = {"X-N": 5, "X-F": [1.5, "a"]}
    headers = MutableHeaders(mixed)
    assert headers.multi_items() == [("X-N", "5"), ("X-F", "1.5"), ("X-F", "a")]
    for bad in (None, True, b"bytes", {"a": 1}):
        with pytest.raises(TypeError, match=r"header 'X-N': a value is a str \(or a number\)"):
            make(bad)
    with pytest.raises(TypeError, match="a header name is a str, not 5"):
        MutableHeaders({5: "x"})  # type: ignore[arg-type]  # a wrong name on purpose
    with pytest.raises(TypeError, match=r"headers are \(name, value\) pairs"):
        MutableHeaders([("X-N", "1", "2")])  # type: ignore[list-item]  # on purpose


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb", "alb-multi"])
def test_a_number_header_renders_as_its_text_from_every_source(source: str) -> None:
    app = App()

    @app.get("/n")
    def n() -> Response:
        response = Response("x", headers={"Content-Length-Hint": 5})
        response.headers["X-Ratio"] = 0.5  # type: ignore[assignment]
        return response

    answer = TestClient(app).get("/n", source=source)
    assert answer.status == 200
    assert (answer.headers["content-length-hint"], answer.headers["x-ratio"]) == ("5", "0.5")
