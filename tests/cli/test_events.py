"""``lambent events``: generate and detect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambent.__main__ import main
from lambent.sources import detect
from lambent.testing import FACTORIES, sqs_event
from tests.cli._voice import lambent as run_lambent
from tests.cli._voice import one_line

ROOT = Path(__file__).resolve().parents[2]


def test_generate_sqs_in_a_subprocess() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lambent", "events", "generate", "sqs",
         "--body", '{"a":1}', "--count", "3"],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    event = json.loads(out)
    assert [r["body"] for r in event["Records"]] == ['{"a":1}'] * 3
    assert detect(event) == "sqs"


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_generate_every_kind(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", kind, "--seed", "1", "--indent", "0"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert detect(event) == kind


@pytest.mark.parametrize(
    ("argv", "check"),
    [
        (["sqs", "--fifo", "--queue", "jobs"],
         lambda e: e["Records"][0]["eventSourceARN"].endswith(":jobs.fifo")),
        (["s3", "--key", "a b.txt", "--bucket", "bk", "--event-name", "ObjectRemoved:Delete"],
         lambda e: e["Records"][0]["s3"]["object"]["key"] == "a+b.txt"),
        (["dynamodb-stream", "--body", '{"pk": "1"}', "--key", "pk", "--event-name", "REMOVE"],
         lambda e: e["Records"][0]["dynamodb"]["Keys"] == {"pk": {"S": "1"}}),
        (["apigw-rest", "--method", "POST", "--path", "/x", "--body", "hi"],
         lambda e: (e["httpMethod"], e["path"], e["body"]) == ("POST", "/x", "hi")),
        (["alb", "--variant", "multi"], lambda e: "multiValueHeaders" in e),
        (["kafka", "--topic", "t", "--variant", "self-managed"],
         lambda e: e["eventSource"] == "SelfManagedKafka" and "t-0" in e["records"]),
        (["mq", "--variant", "rabbitmq"], lambda e: e["eventSource"] == "aws:rmq"),
        (["cloudfront", "--event-name", "origin-response"],
         lambda e: e["Records"][0]["cf"]["response"]["status"] == "200"),
        (["apigw-websocket", "--event-name", "connect"],
         lambda e: e["requestContext"]["eventType"] == "CONNECT"),
        (["eventbridge", "--source", "s", "--detail-type", "d", "--body", '{"x": 1}'],
         lambda e: (e["source"], e["detail-type"], e["detail"]) == ("s", "d", {"x": 1})),
        (["cognito", "--event-name", "UserMigration_Authentication", "--body", '{"password": "p"}'],
         lambda e: (e["triggerSource"], e["request"]) == (
             "UserMigration_Authentication", {"password": "p"})),
        (["appsync", "--field", "Post.author", "--body", '{"id": 1}', "--body", '{"id": 2}'],
         lambda e: [x["arguments"]["id"] for x in e] == [1, 2]
         and e[0]["info"]["parentTypeName"] == "Post"),
        (["cloudformation", "--event-name", "Delete", "--resource-type", "Custom::X"],
         lambda e: (e["RequestType"], e["ResourceType"]) == ("Delete", "Custom::X")
         and "PhysicalResourceId" in e),
        (["s3-batch", "--variant", "2.0", "--key", "a b", "--bucket", "bk"],
         lambda e: e["tasks"][0]["s3Bucket"] == "bk" and e["tasks"][0]["s3Key"] == "a+b"),
        (["bedrock-agent", "--function", "f", "--body", '{"city": "Oslo"}'],
         lambda e: e["function"] == "f" and e["parameters"][0]["value"] == "Oslo"),
        (["kinesis-stream", "--stream", "st", "--count", "2"],
         lambda e: len(e["Records"]) == 2 and e["Records"][0]["eventSourceARN"].endswith("/st")),
    ],
)  # fmt: skip
def test_generate_options(
    argv: list[str], check: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "generate", *argv]) == 0
    assert callable(check)
    assert check(json.loads(capsys.readouterr().out))


def test_generate_offers_every_kind_of_the_registry() -> None:
    from lambent import sources
    from lambent._cli.events import generated_kinds

    assert generated_kinds() == list(sources.KINDS)


def test_generate_reports_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", "dynamodb-stream", "--event-name", "UPSERT"]) == 2
    assert "--event-name must be one of INSERT, MODIFY, REMOVE" in capsys.readouterr().err


def test_detect_prints_kind_tab_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "event.json"
    good.write_text(json.dumps(sqs_event("x")))
    direct = tmp_path / "direct.json"
    direct.write_text('{"orderId": 1}')
    assert main(["events", "detect", str(good), str(direct)]) == 0
    assert capsys.readouterr().out == f"sqs\t{good}\ndirect\t{direct}\n"


def test_detect_reports_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["events", "detect", str(bad), str(tmp_path / "missing.json")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("lambent events detect:") == 2


def test_every_kind_says_which_options_it_takes() -> None:
    from lambent._cli import events

    assert set(events.OPTIONS) == set(FACTORIES)


def test_generate_direct_prints_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", "direct", "--body", '{"action": "greet"}']) == 0
    event = json.loads(capsys.readouterr().out)
    assert event == {"action": "greet"} and detect(event) == "direct"


@pytest.mark.parametrize(
    "argv", [["sqs", "--table", "t"], ["schedule", "--body", "x"], ["ses", "--fifo"],
             ["direct", "--queue", "q"], ["s3", "--method", "POST"]],
)  # fmt: skip
def test_an_option_the_kind_does_not_take_is_an_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "generate", *argv]) == 2
    assert f"does not apply to {argv[0]}" in capsys.readouterr().err


def test_events_mistakes(tmp_path: Path) -> None:
    one_line(run_lambent("events", "generate", "sqs", "--table", "x"), "lambent events generate",
             "--table does not apply to sqs")  # fmt: skip
    one_line(run_lambent("events", "generate", "direct", "--body", "[1]"), "lambent events generate",
             "JSON object")  # fmt: skip
    one_line(run_lambent("events", "generate", "nope"), "lambent events generate", "nope")
    one_line(
        run_lambent("events", "detect", "missing.json"), "lambent events detect", "missing.json"
    )
