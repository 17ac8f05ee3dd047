"""Factories for services that call a function and read its answer: Cognito user-pool
triggers, AppSync resolvers, CloudFormation custom resources, S3 Batch Operations and
Bedrock agent action groups (LAMBDA.md §8).

Like every factory they take ``seed=`` and ``at=``; only AppSync's trace header carries a
time (the other events have none)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote_plus

from lambent.testing.events._common import ACCOUNT, REGION, Ids, When, arn, timestamp

#: custom sender triggers are asynchronous: their events carry no ``response``
_NO_RESPONSE = ("CustomEmailSender_", "CustomSMSSender_")


def cognito_event(
    trigger_source: str = "PreSignUp_SignUp",
    *,
    request: Mapping[str, Any] | None = None,
    user_name: str = "jdoe",
    user_attributes: Mapping[str, Any] | None = None,
    version: str = "1",
    region: str = REGION,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Cognito user-pool trigger event (``request`` replaces the default one, which
    holds ``userAttributes``)."""
    ids = Ids(seed)
    sub = ids.uuid()
    attributes = dict(user_attributes or {"sub": sub, "email": f"{user_name}@example.com"})
    event: dict[str, Any] = {
        "version": version,
        "triggerSource": trigger_source,
        "region": region,
        "userPoolId": f"{region}_{ids.chars(9)}",
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": ids.lower(26)},
        "request": dict(request) if request is not None else {"userAttributes": attributes},
    }
    if not trigger_source.startswith(_NO_RESPONSE):
        event["response"] = {}
    return event


def appsync_event(
    type_name: str = "Query",
    field_name: str = "getPost",
    arguments: Mapping[str, Any] | None = None,
    *,
    identity: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
    selection: Sequence[str] = ("id",),
    headers: Mapping[str, str] | None = None,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An AppSync direct Lambda resolver event (the resolver context)."""
    fields = list(selection)
    trace = f"Root=1-{int(timestamp(at)):08x}-{Ids(seed).hex(24)}"
    return {
        "arguments": dict(arguments or {}),
        "identity": dict(identity) if identity is not None else None,
        "source": dict(source) if source is not None else None,
        "request": {"headers": {"x-amzn-trace-id": trace, **(headers or {})}, "domainName": None},
        "prev": None,
        "info": {
            "fieldName": field_name,
            "parentTypeName": type_name,
            "variables": {},
            "selectionSetList": fields,
            "selectionSetGraphQL": "{\n" + "".join(f"  {f}\n" for f in fields) + "}",
        },
        "stash": {},
    }


def appsync_batch_event(
    *arguments: Mapping[str, Any],
    type_name: str = "Post",
    field_name: str = "author",
    sources: Sequence[Mapping[str, Any]] | None = None,
    seed: int | None = None,
    at: When = None,
) -> list[dict[str, Any]]:
    """An AppSync ``BatchInvoke`` event: a JSON array, one resolver context per element."""
    return [
        appsync_event(
            type_name,
            field_name,
            args,
            source=sources[i] if sources is not None and i < len(sources) else None,
            seed=None if seed is None else seed + i,
            at=at,
        )
        for i, args in enumerate(arguments or ({},))
    ]


def cloudformation_event(
    request_type: Literal["Create", "Update", "Delete"] = "Create",
    resource_type: str = "Custom::Resource",
    properties: Mapping[str, Any] | None = None,
    *,
    old_properties: Mapping[str, Any] | None = None,
    physical_resource_id: str | None = None,
    response_url: str | None = None,
    logical_resource_id: str = "MyResource",
    stack: str = "my-stack",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A CloudFormation custom resource request. Update and Delete get a physical id
    (``physical_resource_id`` or a made-up one); Update gets ``OldResourceProperties``."""
    ids = Ids(seed)
    token = arn("lambda", region, account, "function:custom-resource")
    stack_id = arn("cloudformation", region, account, f"stack/{stack}/{ids.uuid()}")
    request_id = ids.uuid()
    url = response_url or (
        f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
        f".s3.amazonaws.com/{quote_plus(stack_id)}%7C{logical_resource_id}%7C{request_id}"
        f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={ids.hex(64)}"
    )
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_resource_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": token, **(properties or {})},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_resource_id or f"{logical_resource_id}-{ids.hex(8)}"
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": token, **(old_properties or {})}
    return event


def s3_batch_event(
    *keys: str,
    bucket: str = "uploads",
    schema: Literal["1.0", "2.0"] = "1.0",
    user_arguments: Mapping[str, str] | None = None,
    version_id: str | None = None,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An S3 Batch Operations invocation, one task per key (S3 sends one). Keys are
    URL-encoded as S3 does; schema 2.0 names the bucket and carries ``userArguments``."""
    ids = Ids(seed)
    job: dict[str, Any] = {"id": ids.uuid()}
    if schema == "2.0":
        job["userArguments"] = dict(user_arguments or {})
    tasks = []
    for key in keys or ("example.txt",):
        task: dict[str, Any] = {
            "taskId": ids.token(12),
            "s3Key": quote_plus(key, safe="/"),
            "s3VersionId": version_id,
        }
        if schema == "2.0":
            task["s3Bucket"] = bucket
        else:
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        tasks.append(task)
    return {
        "invocationSchemaVersion": schema,
        "invocationId": ids.token(36),
        "job": job,
        "tasks": tasks,
    }


def _parameter(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, bool):
        return {"name": name, "type": "boolean", "value": str(value).lower()}
    if isinstance(value, int):
        return {"name": name, "type": "integer", "value": str(value)}
    if isinstance(value, float):
        return {"name": name, "type": "number", "value": str(value)}
    return {"name": name, "type": "string", "value": str(value)}


def bedrock_agent_event(
    api_path: str = "/items/{id}",
    http_method: str = "GET",
    *,
    function: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    action_group: str = "ItemActions",
    input_text: str = "What is item 1?",
    session_attributes: Mapping[str, str] | None = None,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Bedrock agent action-group event: the OpenAPI form, or the function-details form
    when ``function`` is given. ``parameters`` and ``body`` (OpenAPI request-body
    properties) are name -> value, typed from the Python value."""
    ids = Ids(seed)
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": "agent", "id": ids.upper(10), "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": input_text,
        "sessionId": ids.digits(15),
        "actionGroup": action_group,
        "sessionAttributes": dict(session_attributes or {}),
        "promptSessionAttributes": {},
        "parameters": [_parameter(k, v) for k, v in (parameters or {}).items()],
    }
    if function is not None:
        event["function"] = function
        return event
    event["apiPath"] = api_path
    event["httpMethod"] = http_method
    if body is not None:
        properties = [_parameter(k, v) for k, v in body.items()]
        event["requestBody"] = {"content": {"application/json": {"properties": properties}}}
    return event
