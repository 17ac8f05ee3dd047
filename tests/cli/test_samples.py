"""The sample events ``lambent events generate`` prints (lambent._cli._samples): one for
every kind of the registry, each detected as its kind, and each option reaching the event."""

from __future__ import annotations

import json

import pytest

from lambent.__main__ import main
from lambent.sources import detect
from lambent.testing import FACTORIES


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


def test_every_kind_says_which_options_it_takes() -> None:
    from lambent._cli import events

    assert set(events.OPTIONS) == set(FACTORIES)
