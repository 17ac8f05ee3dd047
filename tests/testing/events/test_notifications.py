"""What the S3, CloudWatch Logs, EventBridge, scheduled and SES factories (lambent.testing.events.notifications) put in their
events, beyond shape: encodings, ids, options."""

from __future__ import annotations

from lambent import testing as t


def test_s3_keys_are_form_url_encoded() -> None:
    event = t.s3_event("photos/red flower.jpg", "a+b=c.txt", bucket="b", at=0)
    keys = [r["s3"]["object"]["key"] for r in event["Records"]]
    assert keys == ["photos/red+flower.jpg", "a%2Bb%3Dc.txt"]
    record = event["Records"][0]
    assert record["eventTime"] == "1970-01-01T00:00:00.000Z"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::b"
    removed = t.s3_event("k", event_name="s3:ObjectRemoved:Delete")["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}


def test_cloudwatch_logs_round_trip() -> None:
    data = t.decode_logs(t.cloudwatch_logs_event("one", "two", group="/g", at=2))
    assert data["logGroup"] == "/g"
    assert data["messageType"] == "DATA_MESSAGE"
    assert [(e["message"], e["timestamp"]) for e in data["logEvents"]] == [
        ("one", 2000),
        ("two", 2001),
    ]


def test_eventbridge_and_schedule() -> None:
    event = t.eventbridge_event({"id": 1}, source="shop", detail_type="Paid", at=0)
    assert (event["source"], event["detail-type"], event["detail"]) == ("shop", "Paid", {"id": 1})
    assert event["time"] == "1970-01-01T00:00:00Z"
    schedule = t.schedule_event("nightly")
    assert schedule["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]
    assert (schedule["source"], schedule["detail-type"]) == ("aws.events", "Scheduled Event")


def test_ses() -> None:
    receipt = t.ses_event(verdict="FAIL", invocation_type="RequestResponse")["Records"][0]["ses"]
    assert receipt["receipt"]["dmarcPolicy"] == "reject"
    assert receipt["receipt"]["action"]["invocationType"] == "RequestResponse"
