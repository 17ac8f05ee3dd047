"""Shared helpers for the per-source tests: which corpus rows a detector must decline.

Detectors run in the registry's order (``lambent.sources.SOURCES``) and may assume the
ones before them declined. So a detector must say no to every corpus event whose
labelled kind belongs to a *later* module, or to no source module at all; events of
earlier modules never reach it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from structlog.typing import EventDict

from lambent.sources import SOURCES
from lambent.sources._protocol import EventSource
from tests import corpus

_ORDER = tuple(entry.module for entry in SOURCES)

#: labelled kind (MANIFEST.tsv) -> source module that must claim it
KIND_MODULE = {
    "sqs": "sqs",
    "sns": "sns",
    "s3": "s3",
    "dynamodb-stream": "dynamodb",
    "kinesis-stream": "kinesis",
    "ses": "ses",
    "cloudfront": "cloudfront",
    "cloudwatch-logs": "cloudwatch_logs",
    "kafka": "kafka",
    "mq": "mq",
    "firehose": "firehose",
    "alb": "alb",
    "apigw-authorizer": "apigw_authorizer",
    "function-url": "function_url",
    "apigw-http": "apigw_http",
    "apigw-websocket": "apigw_websocket",
    "apigw-rest": "apigw_rest",
    "schedule": "schedule",
    "eventbridge": "eventbridge",
    "s3-eventbridge": "eventbridge",
    "cognito": "cognito",
    "appsync": "appsync",
    "cloudformation": "cloudformation",
    "s3-batch": "s3_batch",
    "bedrock-agent": "bedrock_agent",
}


def module_of(row: corpus.Row) -> str | None:
    """The source module that owns a row, or None for kinds no module claims."""
    if row.kind == "tumbling-window":
        return "dynamodb" if "dynamodb" in row.path else "kinesis"
    return KIND_MODULE.get(row.kind)


def owned_rows(module: str) -> list[Any]:
    """``parametrize`` values: rows the module's detector must claim."""
    found = [r for r in corpus.rows() if module_of(r) == module]
    if not found:
        return corpus.params("__none__")
    return [pytest.param(r, id=r.path) for r in found]


def window_rows(module: str) -> list[Any]:
    """``parametrize`` values: the tumbling-window events of the module's source."""
    found = [r for r in corpus.rows("tumbling-window") if module_of(r) == module]
    if not found:
        return corpus.params("__none__")
    return [pytest.param(r, id=r.path) for r in found]


def decline_rows(module: str) -> list[Any]:
    """``parametrize`` values: rows the module's detector must decline."""
    mine = _ORDER.index(module)
    found = []
    for row in corpus.rows():
        owner = module_of(row)
        if owner == module:
            continue
        if owner is not None and owner in _ORDER and _ORDER.index(owner) < mine:
            continue  # an earlier detector claims it first
        found.append(pytest.param(row, id=row.path))
    return found or corpus.params("__none__")


def assert_declines(detect: Any, row: corpus.Row | None) -> None:
    event = corpus.load(row)
    if isinstance(event, Mapping):
        assert not detect(event), f"{row.path if row else ''} ({row.kind if row else ''})"


def run_logged(app: Any, event: Any) -> tuple[Any, dict[str, EventDict], EventDict]:
    """Run ``event`` through ``app.handler``: its result, the ``record failed`` log entries
    by record id, and the ``batch processed`` entry (``{}`` when there is none)."""
    from structlog.testing import capture_logs

    from lambent.testing import FakeContext

    with capture_logs() as logs:
        out = app.handler(event, FakeContext())
    failed = {e["record_id"]: e for e in logs if e["event"] == "record failed"}
    summary = next((e for e in logs if e["event"] == "batch processed"), {})
    return out, failed, summary


class _PresignedURL(http.server.BaseHTTPRequestHandler):
    """Stands in for CloudFormation's pre-signed response URLs: takes every PUT."""

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@functools.cache
def presigned_url() -> str:
    """A URL on 127.0.0.1 that answers PUTs (one server per test process), so that no
    custom resource response leaves the machine."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PresignedURL)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/stack/resource?X-Amz-Signature=s"


def local_response_url(event: Any) -> Any:
    """``event`` with a CloudFormation ``ResponseURL`` pointed at :func:`presigned_url`."""
    if isinstance(event, dict) and "ResponseURL" in event:
        return {**event, "ResponseURL": presigned_url()}
    return event


@contextlib.contextmanager
def registered(source: Any) -> Iterator[Any]:
    """``source`` registered ahead of the built-in ones for the block, removed after."""
    from lambent import sources

    sources.register(source)
    try:
        yield source
    finally:
        sources.unregister(source)


def mutated(event: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``event`` with the value at ``where`` (a key path) replaced by
    ``value``, or removed when ``value`` is :data:`REMOVE` (a path through a value that
    is not a dict leaves the event as it was)."""
    import copy

    out = copy.deepcopy(event)
    holder: Any = out
    for key in where[:-1]:
        if not isinstance(holder, dict) or key not in holder:
            return out
        holder = holder[key]
    if isinstance(holder, dict):
        if value is REMOVE:
            holder.pop(where[-1], None)
        else:
            holder[where[-1]] = value
    return out


#: :func:`mutated`'s mark for "remove the key"
REMOVE: Any = object()


def line_agrees(spec: Any, event: dict[str, Any]) -> bool:
    """Whether the source's ``request_line`` of ``event`` says what its lean Struct says
    (the route key: the method and the template its ``template`` reads); True when it
    declines (None). Returns whether it answered."""
    import msgspec

    web = spec.web
    line = web.line(event)
    if line is None:
        return False
    view = msgspec.convert(event, web.lean)  # the line's types are the Struct's: decodes
    encoded = web.path_encoded is not None and web.path_encoded(view)
    assert line[0] == view.method
    assert line[1] == view.path
    assert (line[3], line[4], line[5]) == (view.body, view.is_base64_encoded, encoded)
    template = web.template(event)
    if line[2] is not None:
        assert template is not None
        # "METHOD template" (REST) or the route's own key (HTTP API: "ANY /x", or
        # "$default" with no template); either part may hold a space, so the template is
        # read from the end
        key = line[2]
        assert key.endswith(f" {template}") if " " in key else template == "", (key, template)
    return True


def certain_agrees(spec: EventSource, event: Any) -> Any:
    """The request line :func:`lambent.sources.certain_reader` reads of ``event`` for
    ``spec``; when it gives one, the registry's detection says ``spec`` for the event and
    the source's ``request_line`` says the same line."""
    from lambent import sources

    read = sources.certain_reader(spec)
    assert read is not None
    web = spec.web
    assert web is not None and web.line is not None
    if type(event) is not dict:  # what the reader is given: dicts (an array is a batch)
        return None
    line = read(event)
    if line is not None:
        assert sources.spec_for(event) is spec
        assert web.line(event) == line
    return line


def sharing_ahead(module: str, own: set[str]) -> list[str]:
    """The source modules ahead of ``module`` in detection order whose events may carry
    one of its keys (``own``); each of the others claims only events with one of
    ``AHEAD_KEYS`` (asserted), which the readings that settle detection refuse."""
    from lambent import sources
    from lambent.sources._http_api_line import AHEAD_KEYS

    index = [entry.module for entry in sources.SOURCES].index(module)
    shared = []
    for entry in sources.SOURCES[:index]:
        assert entry.keys is not None
        if own.isdisjoint(entry.keys):
            assert set(entry.keys) <= set(AHEAD_KEYS), entry.module
        else:
            shared.append(entry.module)
    return shared
