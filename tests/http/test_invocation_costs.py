"""What the per-request savings outside the router keep: the invocation's log context,
a user's structlog configuration (even when it changes), detection order, route matching."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import LogCapture

from lambent import App, Logger, sources
from lambent._errors import ConfigurationError
from lambent._logging import bind_invocation, get_logger, unbind_invocation
from lambent.http._routing import RouteMap
from lambent.testing import FakeContext, http_request
from tests import corpus

INVOCATION_KEYS = {"aws_request_id", "function_name", "cold_start", "source"}


def _logging_app(seen: list[Any]) -> App:
    app = App()

    @app.get("/x")
    def x(log: Logger) -> str:
        log.info("hello")
        seen.append(log)
        return "ok"

    return app


@pytest.fixture
def restore_structlog() -> Any:
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_structlog")
@pytest.mark.parametrize("cache", [False, True])
def test_each_invocation_logs_through_the_current_configuration(cache: bool) -> None:
    """A proxy pinned by ``cache_logger_on_first_use`` is not reused by later invocations:
    a configuration made between invocations applies, as with a fresh logger each time."""
    seen: list[Any] = []
    app = _logging_app(seen)
    event = http_request("GET", "/x", source="apigw-http")
    for n in range(3):
        capture = LogCapture()
        structlog.configure(
            processors=[structlog.contextvars.merge_contextvars, capture],
            cache_logger_on_first_use=cache,
        )
        app.handler(event, FakeContext(aws_request_id=f"req-{n}"))
        lines = [e for e in capture.entries if e["event"] == "hello"]
        assert len(lines) == 1, n
        assert lines[0]["aws_request_id"] == f"req-{n}"
        assert set(lines[0]) >= INVOCATION_KEYS


@pytest.mark.usefixtures("restore_structlog")
def test_an_unused_logger_is_reused_and_a_pinned_one_replaced() -> None:
    structlog.configure(cache_logger_on_first_use=True)
    first = get_logger("lambent")
    assert get_logger("lambent") is first  # nothing pinned it: same as a fresh proxy
    first.bind()  # pins it to the current configuration
    assert get_logger("lambent") is not first


@pytest.mark.usefixtures("restore_structlog")
def test_the_lambda_logger_is_bound_once_per_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    a, b = get_logger("lambent"), get_logger("lambent")
    assert a is b and get_logger("other") is not a
    a.info("line")
    assert '"logger":"lambent"' in capsys.readouterr().out
    structlog.configure(processors=[LogCapture()])
    assert get_logger("lambent") is not a  # the user's configuration wins again


def test_bind_and_unbind_restore_the_context() -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(aws_request_id="outer", other=1)
    tokens = bind_invocation({"aws_request_id": "inner", "cold_start": True})
    assert structlog.contextvars.get_contextvars() == {
        "aws_request_id": "inner",
        "cold_start": True,
        "other": 1,
    }
    unbind_invocation(tokens)
    assert structlog.contextvars.get_contextvars() == {"aws_request_id": "outer", "other": 1}
    structlog.contextvars.clear_contextvars()


def test_an_invocation_leaves_no_context_behind() -> None:
    structlog.contextvars.clear_contextvars()
    app = _logging_app([])
    for _ in range(2):
        app.handler(http_request("GET", "/x", source="apigw-rest"), FakeContext())
        assert structlog.contextvars.get_contextvars() == {}


# -- detection -----------------------------------------------------------------------------


def _uncached(event: Any) -> str:
    for spec in sources.specs():
        if (spec.requires is None or spec.requires in event) and spec.detect(event):
            return spec.kind
    return "direct"


@pytest.mark.parametrize("row", corpus.params())
def test_detection_by_shape_is_the_ordered_scan(row: corpus.Row | None) -> None:
    event = corpus.load(row)
    if not isinstance(event, dict):
        return
    first, again = sources.detect(event), sources.detect(event)  # the second by its shape
    assert first == again == _uncached(event)


def test_shapes_remembered_are_bounded() -> None:
    sources.specs()
    for i in range(2 * sources._MAX_SHAPES):
        assert sources.detect({f"key{i}": 1}) == "direct"
    assert len(sources._candidates) <= sources._MAX_SHAPES
    event = http_request("GET", "/x", source="apigw-rest")
    assert sources.detect(event) == "apigw-rest"  # a shape past the bound is still scanned


# -- route matching ------------------------------------------------------------------------

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
