"""Route matching: matching returns values, trailing slashes, encodings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent._errors import ConfigurationError
from lambent.http._routing import RouteMap, _disjoint, normalise
from lambent.http._templates import compile_path


def make() -> RouteMap[str]:
    m: RouteMap[str] = RouteMap()
    m.add(("GET",), "/orders", "list")
    m.add(("POST",), "/orders", "create")
    m.add(("GET",), "/orders/{order_id}", "one")
    m.add(("GET",), "/orders/new", "new")
    m.add(("GET",), "/files/{path+}", "files")
    m.add(("GET",), "/files/{name}/meta", "meta")
    m.add(("GET",), "/reports/{day}.csv", "csv")
    m.add(("GET",), "/", "root")
    m.freeze()
    return m


def route(
    m: RouteMap[str], path: str, method: str = "GET", encoded: bool = True
) -> tuple[str, dict[str, str]] | None:
    found = m.match(path, encoded=encoded)
    if found is None:
        return None
    return found[0].routes[method], found[1]


def test_matching() -> None:
    m = make()
    assert route(m, "/orders") == ("list", {})
    assert route(m, "/orders", "POST") == ("create", {})
    assert route(m, "/orders/new") == ("new", {})  # static wins over the template
    assert route(m, "/orders/42") == ("one", {"order_id": "42"})
    assert route(m, "/files/a/meta") == ("meta", {"name": "a"})  # fixed length before greedy
    assert route(m, "/files/a/b/c") == ("files", {"path": "a/b/c"})
    assert route(m, "/reports/2024-01-01.csv") == ("csv", {"day": "2024-01-01"})
    assert route(m, "/") == ("root", {})
    assert route(m, "") == ("root", {})
    assert route(m, "/files") is None
    assert route(m, "/orders/42/x") is None
    found = m.match("/orders", encoded=True)
    assert found is not None and found[0].allow == "GET, HEAD, POST, OPTIONS"


def test_trailing_slash_is_ignored() -> None:
    m = make()
    assert route(m, "/orders/") == ("list", {})
    assert route(m, "/orders/42/") == ("one", {"order_id": "42"})
    assert route(m, "/files/a/b/") == ("files", {"path": "a/b"})


def test_encoded_paths_are_decoded_once() -> None:
    m = make()
    assert route(m, "/orders/a%2Fb") == ("one", {"order_id": "a/b"})
    assert route(m, "/orders/100%25") == ("one", {"order_id": "100%"})
    assert route(m, "/orders/%2541") == ("one", {"order_id": "%41"})
    assert route(m, "/orders/caf%C3%A9") == ("one", {"order_id": "café"})
    assert route(m, "/files/x%2Fy/z") == ("files", {"path": "x/y/z"})
    assert route(m, "/orders/%6Eew") == (
        "new",
        {},
    )  # encoded literal still matches the static route
    # sources that decode the path themselves (HTTP APIs): never decoded again
    assert route(m, "/orders/%41", encoded=False) == ("one", {"order_id": "%41"})
    assert normalise("/a%2Fb/c", True) == ("/a%2Fb/c", True)


def test_conflicts_and_freezing() -> None:
    m: RouteMap[str] = RouteMap()
    m.add(("GET",), "/a/{x}", "one")
    with pytest.raises(ConfigurationError, match="twice"):
        m.add(("GET",), "/a/{x}/", "two")
    m.freeze()
    with pytest.raises(ConfigurationError, match="started"):
        m.add(("POST",), "/b", "three")


def test_matching_does_not_mutate() -> None:
    m = make()
    before = [e.routes for e in m.endpoints()]
    for _ in range(3):
        route(m, "/orders/1")
    assert [e.routes for e in m.endpoints()] == before


segments = st.sampled_from(
    ["orders", "users", "v1", "{id}", "{name}", "items", "{rest+}", "{day}.csv", "a.b"]
)


templates = st.lists(segments, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))


paths = st.lists(
    st.sampled_from(["orders", "users", "v1", "42", "x", "items", "a%2Fb", "d.csv", "a.b", ""]),
    min_size=1,
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))


def _linear(routes: RouteMap[str], path: str, encoded: bool) -> Any:
    """Each dynamic template's own regex in specificity order (the matching before buckets
    became one regex each)."""
    from urllib.parse import unquote

    from lambent.http._routing import normalise

    target, unquote_params = normalise(path, encoded)
    static = routes._static.get(target)
    if static is not None:
        return static.path.template, {}
    for endpoint in routes._dynamic:
        assert endpoint.path.regex is not None
        found = endpoint.path.regex.match(target)
        if found:
            params = found.groupdict()
            if unquote_params:
                params = {k: unquote(v) if "%" in v else v for k, v in params.items()}
            return endpoint.path.template, params
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(templates, min_size=1, max_size=8, unique=True),
    st.lists(st.tuples(paths, st.booleans()), min_size=1, max_size=10),
)
def test_one_regex_per_bucket_matches_as_each_template_in_turn(
    chosen: list[str], requests: list[tuple[str, bool]]
) -> None:
    routes: RouteMap[str] = RouteMap()
    for template in chosen:
        try:
            routes.add(("GET",), template, template)
        except ConfigurationError:
            continue
    routes.freeze()
    for path, encoded in requests:
        found = routes.match(path, encoded=encoded)
        got = None if found is None else (found[0].path.template, found[1])
        assert got == _linear(routes, path, encoded), (path, encoded)


_KNOWN_TEMPLATES = [
    "/orders/new",
    "/orders/{order_id}",
    "/orders/{order_id}/lines/{line}",
    "/{section}/latest",
    "/files/{path+}",
    "/reports/{day}.csv",
    "/{id}",
]


@settings(max_examples=300, deadline=None)
@given(
    segments=st.lists(
        st.sampled_from(["orders", "new", "1", "latest", "a%2Fb", "a%20b", "x\n", "", "files"]),
        max_size=4,
    ),
    trailing=st.booleans(),
    template=st.sampled_from([*_KNOWN_TEMPLATES, "$default", "/nope/{x}"]),
    encoded=st.booleans(),
)
def test_a_templates_own_matcher_answers_as_matching(
    segments: list[str], trailing: bool, template: str, encoded: bool
) -> None:
    """``match_known`` (a template's own matcher: its regex, or for a last whole-segment
    parameter the literal prefix and one segment) finds what ``match`` finds."""
    routes: RouteMap[str] = RouteMap()
    for each in _KNOWN_TEMPLATES:
        routes.add(("GET",), each, each)
    routes.freeze()
    path = "/" + "/".join(segments) + ("/" if trailing else "")
    known = routes.match_known(template, path, encoded=encoded)
    general = routes.match(path, encoded=encoded)
    assert (known and (known[0].path.template, known[1])) == (
        general and (general[0].path.template, general[1])
    )
    if known is not None and template in routes.known():
        matcher = routes.known()[template][1]
        took = matcher(path, encoded)
        assert took is None or (known[0].path.template, known[1]) == (template, took)


_TEMPLATE_SEGMENT = st.sampled_from(["a", "b", "{p}", "{q}", "x{r}"])


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(_TEMPLATE_SEGMENT, min_size=1, max_size=3),
    b=st.lists(_TEMPLATE_SEGMENT, min_size=1, max_size=3),
    greedy=st.sampled_from([(False, False), (True, False), (False, True)]),
    path=st.lists(st.sampled_from(["a", "b", "xa", "c"]), min_size=1, max_size=5),
)
def test_disjoint_templates_share_no_path(
    a: list[str], b: list[str], greedy: tuple[bool, bool], path: list[str]
) -> None:
    def template(segments: list[str], plus: bool) -> str:
        names = iter(f"n{i}" for i in range(10))
        text = "/" + "/".join(
            re.sub(r"\{\w\}", lambda _: "{" + next(names) + "}", s) for s in segments
        )
        return text + "/{rest+}" if plus else text

    def matches(template: str, target: str) -> bool:
        regex = compile_path(template).regex
        return template == target if regex is None else regex.match(target) is not None

    ta, tb = template(a, greedy[0]), template(b, greedy[1])
    target = "/" + "/".join(path)
    if _disjoint(ta, tb):
        assert not (matches(ta, target) and matches(tb, target))


@pytest.mark.parametrize(
    ("a", "b", "disjoint"),
    [
        ("/a/{p}", "/a/{p}/b", True),  # fixed lengths that differ
        ("/a/b", "/a/c", True),  # a literal segment apart
        ("/{p}/{rest+}", "/a", True),  # shorter than the greedy one's least
        ("/a", "/{p}/{rest+}", True),
        ("/a/{p}", "/{q}/b", False),  # /a/b matches both
        ("/a/{rest+}", "/a/b/c", False),
        ("/x{r}", "/xa", False),  # part literal: unsure, so not apart
    ],
)
def test_disjoint_says_apart_only_of_templates_no_path_joins(
    a: str, b: str, disjoint: bool
) -> None:
    assert _disjoint(a, b) is disjoint
    assert _disjoint(b, a) is disjoint
