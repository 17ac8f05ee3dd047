from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError, EventDecodeError
from lambent.sources import cloudwatch_logs as cwl
from lambent.sources._base import epoch_ms
from lambent.testing import FakeContext
from tests import corpus
from tests.sources import _support

DOCUMENT: dict[str, Any] = {
    "messageType": "DATA_MESSAGE",
    "owner": "123456789012",
    "logGroup": "/aws/lambda/orders",
    "logStream": "2024/01/01/[$LATEST]abc",
    "subscriptionFilters": ["all"],
    "logEvents": [
        {"id": "1", "timestamp": 1440442987000, "message": '{"level": "ERROR"}'},
        {"id": "2", "timestamp": 1440442987001, "message": "plain text"},
    ],
}


def _event(
    document: dict[str, Any], compress: Callable[[bytes], bytes] = gzip.compress
) -> dict[str, Any]:
    data = base64.b64encode(compress(json.dumps(document).encode())).decode()
    return {"awslogs": {"data": data}}


@pytest.mark.parametrize("row", _support.owned_rows("cloudwatch_logs"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert cwl.detect(raw)
    document = json.loads(cwl.decompress(raw["awslogs"]["data"]))
    event = msgspec.convert(raw, cwl.CloudWatchLogsEvent)
    spec = cwl.SPEC
    items = spec.items(event)
    assert len(items) == len(document["logEvents"])
    assert spec.raw_items is not None
    assert [msgspec.convert(r, cwl.LogEvent) for r in spec.raw_items(raw)] == list(items)
    assert event.decoded.policy_level == document.get("policyLevel")
    for wire, item in zip(document["logEvents"], items, strict=True):
        assert spec.item_id(item) == wire["id"]
        assert spec.route_key(event, item) == document["logGroup"]
        assert item.log_stream == document["logStream"]
        assert spec.payload is not None
        assert spec.payload(item) == wire["message"]
        assert item.time == epoch_ms(wire["timestamp"])


@pytest.mark.parametrize("row", _support.decline_rows("cloudwatch_logs"))
def test_other_events_are_not_cloudwatch_logs(row: corpus.Row | None) -> None:
    _support.assert_declines(cwl.detect, row)


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress], ids=["gzip", "zlib"])
def test_gzip_and_zlib(compress: Callable[[bytes], bytes]) -> None:
    event = msgspec.convert(_event(DOCUMENT, compress), cwl.CloudWatchLogsEvent)
    items = cwl.SPEC.items(event)
    assert [i.message for i in items] == ['{"level": "ERROR"}', "plain text"]
    assert {i.log_group for i in items} == {"/aws/lambda/orders"}
    assert items[0].subscription_filters == ("all",)
    assert items[0].owner == "123456789012"


def test_control_message_has_no_items() -> None:
    control = {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health"}
        ],
    }
    raw = _event(control)
    event = msgspec.convert(raw, cwl.CloudWatchLogsEvent)
    assert event.decoded.is_control_message
    assert cwl.SPEC.items(event) == []
    assert cwl.SPEC.raw_items is not None
    assert cwl.SPEC.raw_items(raw) == ()


def test_undecodable_data() -> None:
    raw = {"awslogs": {"data": base64.b64encode(b"not compressed").decode()}}
    assert cwl.detect(raw)
    event = msgspec.convert(raw, cwl.CloudWatchLogsEvent)
    with pytest.raises(ValueError, match="not base64 of gzip or zlib data") as info:
        cwl.SPEC.items(event)
    assert getattr(info.value, "path", None) == "$.awslogs.data"
    assert cwl.SPEC.raw_items is not None
    assert cwl.SPEC.raw_items(raw) == ()


def test_log_event_missing_message_fails_with_a_path() -> None:
    document = {**DOCUMENT, "logEvents": [{"id": "1", "timestamp": 1}]}
    with pytest.raises(msgspec.ValidationError, match=r"message.*\$\.logEvents\[0\]"):
        cwl.decode_data(_event(document)["awslogs"]["data"])


def test_detect() -> None:
    assert cwl.detect(_event(DOCUMENT))
    assert not cwl.detect({"awslogs": {"data": 1}})
    assert not cwl.detect({"awslogs": "x"})


def test_spec_shape() -> None:
    spec = cwl.SPEC
    assert (spec,) == cwl.SPECS
    assert (spec.kind, spec.response, spec.payload_format) == ("cloudwatch-logs", "all", "json")


@pytest.mark.parametrize("data", ["abc", base64.b64encode(b"not gzip").decode(), "\ud800"])
def test_undecodable_data_is_an_event_decode_error_naming_the_field(data: str) -> None:
    app = App()

    @app.logs()
    def handle(message: str) -> None: ...

    with pytest.raises(EventDecodeError) as info:
        app.handler({"awslogs": {"data": data}}, FakeContext())
    assert info.value.path == "$.awslogs.data"


def test_a_group_after_a_glob_that_takes_it_is_refused() -> None:
    app = App()
    app.logs("/aws/lambda/*")(lambda message: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.logs("/aws/lambda/orders")(lambda message: None)
    app.logs("/ecs/orders")(lambda message: None)


def test_a_group_registered_before_its_glob_gets_its_events() -> None:
    app = App()
    seen: list[tuple[str, str]] = []

    @app.logs("/aws/lambda/orders")
    def orders(message: str) -> None:
        seen.append(("orders", message))

    @app.logs("/aws/lambda/*")
    def others(message: str) -> None:
        seen.append(("others", message))

    one = {**DOCUMENT, "logEvents": DOCUMENT["logEvents"][1:]}
    app.handler(_event(one), FakeContext())
    app.handler(_event({**one, "logGroup": "/aws/lambda/users"}), FakeContext())
    assert seen == [("orders", "plain text"), ("others", "plain text")]


class JsonLine(msgspec.Struct):
    level: str
    msg: str


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_on_decode_error_drop_skips_the_lines_a_typed_payload_cannot_read(general: bool) -> None:
    """A Lambda log group holds ``START``/``END``/``REPORT`` lines next to the function's
    JSON ones; a route typing the JSON lines may drop the others (each logged once,
    ``record dropped``) rather than fail the invocation, whose retry ran the good lines
    again."""
    import contextlib

    from structlog.testing import capture_logs

    from lambent._fast import general_path
    from lambent.testing import cloudwatch_logs_event

    app = App()
    seen: list[JsonLine] = []

    @app.logs("/aws/lambda/*", on_decode_error="drop")
    def on_line(line: JsonLine) -> None:
        seen.append(line)

    event = cloudwatch_logs_event(
        '{"level": "INFO", "msg": "a"}',
        "START RequestId: 1 Version: $LATEST",
        '{"level": "ERROR", "msg": "b"}',
        group="/aws/lambda/api",
    )
    with general_path() if general else contextlib.nullcontext(), capture_logs() as logs:
        assert app.handler(event, FakeContext()) is None
    assert seen == [JsonLine("INFO", "a"), JsonLine("ERROR", "b")]
    assert [entry["path"] for entry in logs if entry["event"] == "record dropped"] == ["$"]

    failing = App()
    failing.logs("/aws/lambda/*")(on_line)
    with pytest.raises(Exception, match="JSON is malformed"):
        failing.handler(event, FakeContext())
