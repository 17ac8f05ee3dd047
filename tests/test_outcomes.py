"""Outcomes (:mod:`lambent._outcomes`): the wire response rules of LAMBDA.md (each test states one
rule, section cited)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from lambent import (
    App,
    BatchFailedError,
    Dropped,
    HandlerError,
)
from lambent.sources import spec_for
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.kafka import KafkaRecord
from lambent.sources.kinesis import KinesisRecord
from lambent.sources.s3 import S3Record
from lambent.sources.sqs import SQSMessage
from lambent.testing import (
    Change,
    FakeContext,
    cloudwatch_logs_event,
    decode_logs,
    dynamodb_event,
    eventbridge_event,
    kafka_event,
    kinesis_event,
    mq_event,
    s3_event,
    sample_event,
    sqs_event,
    tumbling_window,
)
from lambent.testing.events.messaging import MqEngine


def _fail_on(bad: str) -> Any:
    def handler(record: Any) -> None:
        if bad in json.dumps(_payload(record)):
            raise RuntimeError("injected failure")

    return handler


def _payload(record: Any) -> Any:
    if isinstance(record, SQSMessage):
        return record.body
    if isinstance(record, KinesisRecord):
        return record.data.decode()
    if isinstance(record, DynamoDBRecord):
        return record.new_image
    if isinstance(record, KafkaRecord):
        return record.value_bytes.decode() if record.value_bytes is not None else None
    raise AssertionError(type(record))


def _app_for(kind: str, bad: str = "never") -> App:
    app = App()
    handler = _fail_on(bad)
    if kind == "sqs":

        @app.sqs("orders")
        def sqs(record: SQSMessage) -> None:
            handler(record)
    elif kind == "kinesis":

        @app.kinesis("clicks")
        def kinesis(record: KinesisRecord) -> None:
            handler(record)
    elif kind == "dynamodb":

        @app.dynamodb("orders")
        def dynamodb(record: DynamoDBRecord) -> None:
            handler(record)
    else:

        @app.kafka("payments")
        def kafka(record: KafkaRecord) -> None:
            handler(record)

    return app


def _event_for(kind: str, values: list[str]) -> dict[str, Any]:
    if kind == "sqs":
        return sqs_event(*[{"v": v} for v in values], queue="orders")
    if kind == "kinesis":
        return kinesis_event(*[{"v": v} for v in values], stream="clicks")
    if kind == "dynamodb":
        return dynamodb_event(
            *[Change.insert({"id": str(i), "v": v}) for i, v in enumerate(values)],
            table="orders",
        )
    merged: dict[str, Any] = kafka_event({"v": values[0]}, topic="payments", offset=10)
    for i, v in enumerate(values[1:], start=11):
        more = kafka_event({"v": v}, topic="payments", offset=i)
        for name, records in more["records"].items():
            merged["records"].setdefault(name, []).extend(records)
    return merged


PARTIAL_KINDS = ["sqs", "kinesis", "dynamodb", "kafka"]


# -- §4.2/§4.3: the batchItemFailures key is never dropped -----------------------------


@pytest.mark.parametrize("kind", PARTIAL_KINDS)
def test_full_success_still_carries_the_batch_item_failures_key(kind: str) -> None:
    # LAMBDA.md §4.3: a response *without* the key is read as full success; lambent's
    # success response must be the documented empty list, not {} / None / another key.
    result = _app_for(kind).handler(_event_for(kind, ["a", "b"]), FakeContext())
    assert result == {"batchItemFailures": []}


@pytest.mark.parametrize("kind", PARTIAL_KINDS)
def test_failures_use_the_exact_keys_and_non_empty_identifiers(kind: str) -> None:
    # LAMBDA.md §4.2/§4.3: exactly {"batchItemFailures": [{"itemIdentifier": id}]}; a
    # wrong inner key or an empty/null identifier would fail the whole batch.
    event = _event_for(kind, ["a", "bad", "c"])
    result = _app_for(kind, bad="bad").handler(event, FakeContext())
    assert list(result) == ["batchItemFailures"]
    assert result["batchItemFailures"], "a failed record must be reported"
    for entry in result["batchItemFailures"]:
        assert list(entry) == ["itemIdentifier"]
        assert entry["itemIdentifier"] not in (None, "", {})


@pytest.mark.parametrize(
    ("kind", "blank"),
    [
        ("sqs", lambda r: r.__setitem__("messageId", "")),
        ("kinesis", lambda r: r["kinesis"].__setitem__("sequenceNumber", "")),
        ("dynamodb", lambda r: r["dynamodb"].__setitem__("SequenceNumber", "")),
    ],
)
def test_a_failed_record_without_an_identifier_fails_the_invocation(kind: str, blank: Any) -> None:
    # LAMBDA.md §4.3: an empty itemIdentifier fails the whole batch. lambent must never
    # put "" into a response; it fails the invocation explicitly instead.
    event = _event_for(kind, ["a", "bad"])
    blank(event["Records"][1])
    with pytest.raises(BatchFailedError):
        _app_for(kind, bad="bad").handler(event, FakeContext())


# -- §4.5: stream checkpoint at the lowest reported sequence number -------------------


def test_stream_checkpoint_lowest_reported_sequence_is_the_first_failure() -> None:
    # LAMBDA.md §4.5: Lambda resumes from the lowest reported sequence number (compared as
    # integers) and redelivers everything after it, so that number must be the first
    # record that did not succeed; no earlier record may be reported, none later missed.
    event = kinesis_event(*[{"v": v} for v in ["a", "b", "bad", "d", "e"]], stream="clicks")
    # sequence numbers of different lengths: lexical order would put "100" before "99"
    for record, seq in zip(event["Records"], ["97", "98", "99", "100", "1000"], strict=True):
        record["kinesis"]["sequenceNumber"] = seq
    ran: list[str] = []
    app = App()

    @app.kinesis("clicks")
    def handle(record: KinesisRecord) -> None:
        ran.append(record.sequence_number)
        if b"bad" in record.data:
            raise RuntimeError("injected failure")

    result = app.handler(event, FakeContext())
    reported = [int(f["itemIdentifier"]) for f in result["batchItemFailures"]]
    assert min(reported) == 99
    # one partition key: nothing after the failure ran, all of it is reported
    assert ran == ["97", "98", "99"]
    assert sorted(reported) == [99, 100, 1000]


# -- §4.4: SQS FIFO --------------------------------------------------------------------


def test_fifo_strict_route_reports_the_failure_and_every_later_message() -> None:
    # LAMBDA.md §4.4: AWS rule: stop at the first failure, report it and every message
    # after it in the batch, whatever its group.
    app = App()

    @app.sqs("orders.fifo", strict_order=True)
    def handle(record: SQSMessage) -> None:
        if "bad" in record.body:
            raise RuntimeError("injected failure")

    event = sqs_event(
        {"v": "a"}, {"v": "bad"}, {"v": "c"}, {"v": "d"},
        queue="orders.fifo", group_id=["g1", "g1", "g2", "g1"],
    )  # fmt: skip
    ids = [r["messageId"] for r in event["Records"]]
    result = app.handler(event, FakeContext())
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ids[1:]


# -- §4.5: tumbling windows always answer with state ----------------------------------


@pytest.mark.parametrize("outcome", ["none", "raise", "state"])
def test_tumbling_window_response_always_has_state(outcome: str) -> None:
    # LAMBDA.md §4.5: a window response without `state` counts as a failed invocation.
    app = App()

    @app.kinesis("clicks", window=True)
    def aggregate(records: list[KinesisRecord], state: dict[str, int]) -> Any:
        if outcome == "raise":
            raise RuntimeError("injected failure")
        if outcome == "none":
            return None
        return {"n": state.get("n", 0) + len(records)}

    event = tumbling_window(kinesis_event({"v": 1}, stream="clicks"), state={"n": 4})
    result = app.handler(event, FakeContext())
    assert "state" in result and isinstance(result["state"], dict)
    assert "batchItemFailures" in result
    if outcome == "state":
        assert result == {"state": {"n": 5}, "batchItemFailures": []}
    elif outcome == "raise":
        assert len(result["batchItemFailures"]) == 1


# -- §4.6: Kafka and MQ ------------------------------------------------------------------


def test_kafka_reports_object_identifiers_from_the_records_object() -> None:
    # LAMBDA.md §4.6: Kafka's `records` is an object keyed "<topic>-<partition>"; failed
    # records are reported by an object identifier (partition + offset), not a string.
    event = _event_for("kafka", ["a", "bad"])
    assert isinstance(event["records"], dict) and "Records" not in event
    result = _app_for("kafka", bad="bad").handler(event, FakeContext())
    assert result == {
        "batchItemFailures": [{"itemIdentifier": {"partition": "payments-0", "offset": 11}}]
    }


@pytest.mark.parametrize("engine", ["activemq", "rabbitmq"])
def test_mq_has_no_partial_batch_response(engine: MqEngine) -> None:
    # LAMBDA.md §4.1/§4.6: Amazon MQ ignores batchItemFailures, so any failure must fail
    # the invocation (whole batch retried), and success returns no batch response.
    app = App()

    @app.mq("orders")
    def handle(body: dict[str, str]) -> None:
        if body["v"] == "bad":
            raise RuntimeError("injected failure")

    ok = mq_event({"v": "a"}, {"v": "b"}, queue="orders", engine=engine)
    assert app.handler(ok, FakeContext()) is None
    for bodies in ([{"v": "a"}, {"v": "bad"}], [{"v": "bad"}]):
        bad = mq_event(*bodies, queue="orders", engine=engine)
        with pytest.raises(BatchFailedError):
            app.handler(bad, FakeContext())


# -- §5.3: S3 keys and the test event ------------------------------------------------------


def test_s3_key_is_unquote_plus_decoded_and_test_event_is_harmless() -> None:
    # LAMBDA.md §5.3: keys are form-URL-encoded ("+" is a space, "%2B" a plus); eventName
    # has no "s3:" prefix; an s3:TestEvent without Records must not fail the function.
    seen: list[tuple[str, str]] = []
    app = App()

    @app.s3("photos")
    def handle(record: S3Record) -> None:
        seen.append((record.key, record.event_name))

    event = s3_event("red flower+1.jpg", bucket="photos")
    assert event["Records"][0]["s3"]["object"]["key"] == "red+flower%2B1.jpg"
    app.handler(event, FakeContext())
    assert seen == [("red flower+1.jpg", "ObjectCreated:Put")]
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2024-01-01T00:00:00.000Z",
        "Bucket": "photos",
        "RequestId": "r",
        "HostId": "h",
    }
    assert app.handler(test_event, FakeContext()) is None
    assert seen == [("red flower+1.jpg", "ObjectCreated:Put")]


# -- §5: timestamp units per source ------------------------------------------------------------

_MOMENT = datetime(2024, 3, 1, 12, 30, 45, 123000, tzinfo=UTC)
_MS = 1709296245123  # _MOMENT in epoch milliseconds


def _first_item(event: dict[str, Any]) -> Any:
    spec = spec_for(event)
    assert spec is not None
    return spec.items(msgspec.convert(event, spec.event_type))[0]


@pytest.mark.parametrize(
    ("kind", "patch", "read"),
    [
        # SQS: epoch ms as a *string*
        ("sqs", lambda e: e["Records"][0]["attributes"].__setitem__("SentTimestamp", str(_MS)),
         lambda i: i.sent_at),
        # Kinesis: float epoch *seconds* with a millisecond fraction
        ("kinesis-stream",
         lambda e: e["Records"][0]["kinesis"].__setitem__("approximateArrivalTimestamp", _MS / 1000),
         lambda i: i.arrived_at),
        # Firehose: integer epoch ms
        ("firehose",
         lambda e: e["records"][0].__setitem__("approximateArrivalTimestamp", _MS),
         lambda i: i.arrived_at),
        # Kafka: integer epoch ms
        ("kafka",
         lambda e: next(iter(e["records"].values()))[0].__setitem__("timestamp", _MS),
         lambda i: i.time),
        # Amazon MQ: integer epoch ms
        ("mq", lambda e: e["messages"][0].__setitem__("timestamp", _MS), lambda i: i.time),
        # SNS, S3: ISO-8601 strings with milliseconds
        ("sns", lambda e: e["Records"][0]["Sns"].__setitem__("Timestamp", "2024-03-01T12:30:45.123Z"),
         lambda i: i.sns.sent_at),
        ("s3", lambda e: e["Records"][0].__setitem__("eventTime", "2024-03-01T12:30:45.123Z"),
         lambda i: i.event_at),
    ],
)  # fmt: skip
def test_timestamps_are_read_in_each_sources_unit(kind: str, patch: Any, read: Any) -> None:
    # LAMBDA.md §5 (table) / §0.10: the units differ per source; reading one in another's
    # unit is off by a factor of 1000 (or fails on a string)
    event = sample_event(kind)
    patch(event)
    assert read(_first_item(event)) == _MOMENT


def test_second_resolution_timestamps() -> None:
    # LAMBDA.md §5: DynamoDB ApproximateCreationDateTime is epoch seconds; CloudWatch Logs
    # logEvents[].timestamp is epoch ms; EventBridge `time` is ISO without fraction
    ddb = sample_event("dynamodb-stream")
    ddb["Records"][0]["dynamodb"]["ApproximateCreationDateTime"] = _MS // 1000
    assert _first_item(ddb).created_at == _MOMENT.replace(microsecond=0)
    eb = sample_event("eventbridge")
    eb["time"] = "2024-03-01T12:30:45Z"
    assert _first_item(eb).timestamp == _MOMENT.replace(microsecond=0)
    logs = cloudwatch_logs_event("m", at=_MOMENT)
    assert decode_logs(logs)["logEvents"][0]["timestamp"] == _MS
    assert _first_item(logs).time == _MOMENT


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def test_multiple_failures_in_an_async_batch_name_every_record() -> None:
    app = App()

    @app.s3("b")
    def fail(record: S3Record) -> None:
        raise ValueError(record.key)

    with pytest.raises(BatchFailedError) as info:
        app.handler(s3_event("x", "y", bucket="b"), FakeContext())
    assert len(info.value.failed_ids) == 2


def test_firehose_partition_keys_and_response_limit() -> None:
    from lambent import ResponseTooLargeError, Transformed
    from lambent.testing import firehose_event

    app = App()

    @app.firehose("deliveries")
    def transform(order: Order) -> Any:
        if order.id == 0:
            return Dropped
        return Transformed({"id": order.id}, {"customer": str(order.id)})

    event = firehose_event({"id": 0}, {"id": 1}, stream="deliveries")
    result = app.handler(event, FakeContext())
    assert result["records"][0]["result"] == "Dropped"
    assert result["records"][1]["metadata"] == {"partitionKeys": {"customer": "1"}}

    big = App()

    @big.firehose("deliveries")
    def grow(data: bytes) -> bytes:
        return b"x" * 4_000_000

    with pytest.raises(ResponseTooLargeError, match="6291456"):
        big.handler(firehose_event("a", "b", stream="deliveries"), FakeContext())


def test_mq_tries_every_record_then_fails_listing_ids() -> None:
    from lambent.testing import mq_event

    app = App()
    ran: list[int] = []

    @app.mq("orders")
    def step(order: Order) -> None:
        ran.append(order.id)
        if order.id in (1, 2):
            raise ValueError("x")

    event = mq_event({"id": 0}, {"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    with pytest.raises(BatchFailedError) as info:
        app.handler(event, FakeContext())
    assert sorted(ran) == [0, 1, 2, 3]
    assert info.value.failed_ids == [m["messageID"] for m in event["messages"][1:3]]
    assert all(message_id in str(info.value) for message_id in info.value.failed_ids)


def test_a_single_event_result_that_cannot_be_json_is_a_handler_error() -> None:
    app = App()

    @app.invoke("odd")
    def odd(event: dict[str, Any]) -> object:
        return object()

    @app.invoke("order")
    def order(event: dict[str, Any]) -> Order:
        return Order(id=7, qty=2)

    @app.eventbridge(source="shop")
    def placed(detail: dict[str, Any]) -> object:
        return {1j: "complex key"}

    with pytest.raises(HandlerError, match=r"odd: returned a value that cannot be sent as JSON"):
        app.handler({"action": "odd"}, FakeContext())
    # what the Lambda runtime can serialise: a Struct as its JSON object
    assert app.handler({"action": "order"}, FakeContext()) == {"id": 7, "qty": 2}
    with pytest.raises(HandlerError, match=r"placed: returned a value"):
        app.handler(eventbridge_event({}, source="shop"), FakeContext())


@pytest.mark.parametrize("statuses", [[2, 2, 2], [2, 7, 2], [3, 2, 2], [2, 4, 5], [6, 3, 7]])
def test_batch_item_failures_from_counted_statuses_are_the_scanned_ones(
    statuses: list[int],
) -> None:
    """Given the batch's summary counted already, the response is the one a scan of the
    statuses gives."""
    from lambent._dispatch import Batch
    from lambent._outcomes import batch_item_failures

    batch = Batch(["a", "b", "c"])
    batch.status[:] = bytes(statuses)
    wire = ["m-0", "m-1", "m-2"].__getitem__
    counted = batch_item_failures(batch, wire, "sqs", batch.summary())
    assert counted == batch_item_failures(batch, wire, "sqs")
