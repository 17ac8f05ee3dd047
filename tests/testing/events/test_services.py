"""The Cognito, AppSync, CloudFormation, S3 Batch and Bedrock agent factories
(lambent.testing.events.services): each event is detected as its kind and delivers what
it was given to a route of an App (the payload each source hands its handler)."""

from __future__ import annotations

from typing import Any

from lambent import App
from lambent.sources import detect
from lambent.testing import (
    FakeContext,
    appsync_batch_event,
    appsync_event,
    bedrock_agent_event,
    cloudformation_event,
    cognito_event,
    s3_batch_event,
)


def test_cognito_delivers_the_request_and_echoes_the_response() -> None:
    app = App()
    got: list[Any] = []

    @app.cognito("PreSignUp")
    def sign_up(request: dict[str, Any]) -> dict[str, bool]:
        got.append(request["userAttributes"]["email"])
        return {"autoConfirmUser": True}

    event = cognito_event("PreSignUp_SignUp", user_attributes={"email": "ada@example.com"}, seed=1)
    assert detect(event) == "cognito" and event["userName"] == "jdoe"
    answer = app.handler(event, FakeContext())
    assert got == ["ada@example.com"] and answer["response"]["autoConfirmUser"] is True


def test_appsync_single_and_batch_deliver_the_arguments() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(arguments: dict[str, Any]) -> str:
        return f"author of {arguments['id']}"

    single = appsync_event("Post", "author", {"id": 7}, seed=1)
    assert detect(single) == "appsync" and single["info"]["parentTypeName"] == "Post"
    assert app.handler(single, FakeContext()) == "author of 7"
    batch = appsync_batch_event({"id": 1}, {"id": 2}, seed=1)
    assert detect(batch) == "appsync" and len(batch) == 2
    assert app.handler(batch, FakeContext()) == ["author of 1", "author of 2"]


def test_cloudformation_requests_carry_their_type_and_properties() -> None:
    event = cloudformation_event(
        "Update", "Custom::Bucket", {"Name": "b"}, old_properties={"Name": "a"}, seed=1
    )
    assert detect(event) == "cloudformation"
    assert (event["RequestType"], event["ResourceType"]) == ("Update", "Custom::Bucket")
    assert event["ResourceProperties"]["Name"] == "b"
    assert event["OldResourceProperties"]["Name"] == "a"
    assert "PhysicalResourceId" in event and event["ResponseURL"].startswith("https://")
    assert "PhysicalResourceId" not in cloudformation_event("Create", seed=1)


def test_s3_batch_tasks_and_bedrock_agent_parameters_reach_their_handlers() -> None:
    app = App()

    @app.s3_batch()
    def task() -> str:
        return "done"

    @app.bedrock_agent(api_path="/items/{id}")
    def item(parameters: dict[str, Any]) -> dict[str, Any]:
        return {"asked": parameters}

    batch = s3_batch_event("a b.txt", "c.txt", bucket="photos", schema="2.0", seed=1)
    assert detect(batch) == "s3-batch" and len(batch["tasks"]) == 2
    results = app.handler(batch, FakeContext())["results"]
    assert [r["resultCode"] for r in results] == ["Succeeded", "Succeeded"]
    agent = bedrock_agent_event("/items/{id}", parameters={"id": "42"}, seed=1)
    assert detect(agent) == "bedrock-agent"
    answer = app.handler(agent, FakeContext())
    assert "42" in str(answer["response"])
