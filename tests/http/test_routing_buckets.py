"""Bucketing dynamic templates by first segment never changes which endpoint matches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lambent._errors import ConfigurationError
from lambent.http._routing import RouteMap

segments = st.sampled_from(["orders", "users", "v1", "{id}", "{name}", "items", "{rest+}"])
templates = st.lists(segments, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
paths = st.lists(
    st.sampled_from(["orders", "users", "v1", "42", "x", "items", "a%2Fb"]), min_size=1, max_size=5
).map(lambda parts: "/" + "/".join(parts))


def linear(routes: RouteMap[str], path: str) -> object:
    static = routes._static.get(path)
    if static is not None:
        return static.path.template
    for endpoint in routes._dynamic:
        assert endpoint.path.regex is not None
        if endpoint.path.regex.match(path):
            return endpoint.path.template
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(templates, min_size=1, max_size=8, unique=True),
    st.lists(paths, min_size=1, max_size=10),
)
def test_bucketed_match_equals_linear_scan(chosen: list[str], requests: list[str]) -> None:
    routes: RouteMap[str] = RouteMap()
    for template in chosen:
        try:
            routes.add(("GET",), template, template)
        except ConfigurationError:
            continue  # e.g. a greedy parameter before the last segment, or a duplicate
    routes.freeze()
    for path in requests:
        found = routes.match(path, encoded=False)
        assert (found[0].path.template if found else None) == linear(routes, path)
