"""``lambent events`` (lambent._cli.events): generate and detect, and a user's mistakes
(the sample each kind generates: test_samples.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambent.__main__ import main
from lambent.sources import detect
from lambent.testing import sqs_event
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


@pytest.mark.parametrize(
    ("kind", "option", "form"),
    [
        ("sqs", "--queue", "arn:aws:sqs:REGION:ACCOUNT:NAME"),
        ("sns", "--topic", "arn:aws:sns:REGION:ACCOUNT:NAME"),
        ("kinesis-stream", "--stream", "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME"),
    ],
)
def test_a_malformed_arn_names_the_form_it_needs(kind: str, option: str, form: str) -> None:
    one_line(run_lambent("events", "generate", kind, option, "arn:bad"),
             "lambent events generate", f"({form}): 'arn:bad'")  # fmt: skip


def test_a_whole_arn_gives_the_event_its_region_and_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = "arn:aws:kinesis:eu-west-1:111111111111:stream/s"
    assert main(["events", "generate", "kinesis-stream", "--stream", stream]) == 0
    record = json.loads(capsys.readouterr().out)["Records"][0]
    assert record["eventSourceARN"] == stream and record["awsRegion"] == "eu-west-1"
    assert main(["events", "generate", "sns", "--topic", "arn:aws:sns:eu-west-1:1:t"]) == 0
    sns = json.loads(capsys.readouterr().out)["Records"][0]["Sns"]
    assert sns["TopicArn"] == "arn:aws:sns:eu-west-1:1:t"
    assert "sns.eu-west-1.amazonaws.com" in sns["SigningCertUrl"]
