"""The response object of a CloudFormation custom resource (LAMBDA.md §8.3), built from
the request it answers and what the handler returned: the keys in the documented order,
compact JSON, at most :data:`BODY_LIMIT` bytes. :mod:`lambent.sources.cloudformation`
re-exports the public names and sends the body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol

import msgspec

from lambent._errors import HandlerError
from lambent.sources._answer import describe, json_value

__all__ = ["BODY_LIMIT", "Answered", "CustomResourceResponse", "response_body", "success_body"]

#: CloudFormation's limit on the response object (bytes)
BODY_LIMIT: Final = 4096


class Answered(Protocol):
    """What a response copies from the request it answers."""

    @property
    def stack_id(self) -> str: ...
    @property
    def request_id(self) -> str: ...
    @property
    def logical_resource_id(self) -> str: ...


class CustomResourceResponse(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """What a handler may return (a mapping is taken as ``data``, ``None`` as nothing).

    ``physical_resource_id``: default the request's (Update, Delete), else the Lambda log
    stream name; ``data``: values for ``Fn::GetAtt``; ``no_echo``: mask them in the
    console; ``reason``: a note sent with ``SUCCESS`` too."""

    physical_resource_id: str | None = None
    data: dict[str, Any] | None = None
    no_echo: bool = False
    reason: str | None = None


def _encode(fields: dict[str, Any]) -> bytes:
    return msgspec.json.encode(fields)


def response_body(
    request: Answered,
    *,
    status: str,
    physical_id: str,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    no_echo: bool = False,
) -> bytes:
    """The response object as sent: keys in the documented order, compact JSON; a reason
    too long for the 4096-byte limit is shortened."""
    fields: dict[str, Any] = {"Status": status}
    if reason is not None:
        fields["Reason"] = reason
    fields["PhysicalResourceId"] = physical_id
    fields["StackId"] = request.stack_id
    fields["RequestId"] = request.request_id
    fields["LogicalResourceId"] = request.logical_resource_id
    if no_echo:
        fields["NoEcho"] = True
    if data:
        fields["Data"] = dict(data)
    body = _encode(fields)
    while len(body) > BODY_LIMIT and reason:
        reason = reason[: max(0, len(reason) - (len(body) - BODY_LIMIT) - 3)] + "..."
        fields["Reason"] = reason if len(reason) > 3 else ""
        body = _encode(fields)
        if len(reason) <= 3:
            break
    return body


def _wrong_field(answer: CustomResourceResponse) -> str | None:
    """What is wrong with a response's fields (its constructor checks nothing), or None."""
    expected = (
        ("physical_resource_id", str | None, "a string"),
        ("data", Mapping | None, "a mapping (the Data, read with Fn::GetAtt)"),
        ("no_echo", bool, "True or False"),
        ("reason", str | None, "a string"),
    )
    for field, kind, wanted in expected:
        value = getattr(answer, field)
        if not isinstance(value, kind):
            return f"{field} is {type(value).__name__}, not {wanted}"
    return None


_WHOLE_RESPONSE: Final = (
    "the handler returned a response object (Status, PhysicalResourceId); lambent builds "
    "and sends it: return CustomResourceResponse(physical_resource_id=..., data=...), or a "
    "mapping that is the Data alone"
)


def success_body(request: Answered, result: Any, default_id: str) -> bytes:
    """The SUCCESS body for a handler's result, or a FAILED one saying why it cannot be
    sent."""
    if isinstance(result, CustomResourceResponse):
        answer = result
    elif result is None:
        answer = CustomResourceResponse()
    elif isinstance(result, Mapping) and (
        "PhysicalResourceId" in result or result.get("Status") in ("SUCCESS", "FAILED")
    ):  # a response object, as cfn-response builds it: taken as Data, its id would be lost
        why = _WHOLE_RESPONSE
        return response_body(request, status="FAILED", physical_id=default_id, reason=why)
    elif isinstance(result, Mapping):
        answer = CustomResourceResponse(data=dict(result))  # the Data
    else:
        why = f"the handler returned {type(result).__name__}, not a response or a mapping"
        return response_body(request, status="FAILED", physical_id=default_id, reason=why)
    wrong = _wrong_field(answer)
    if wrong is not None:
        why = f"the handler returned a CustomResourceResponse whose {wrong}"
        return response_body(request, status="FAILED", physical_id=default_id, reason=why)
    physical = answer.physical_resource_id or default_id
    try:
        if len(physical.encode()) > 1024:
            raise ValueError("PhysicalResourceId is longer than 1 KB")
        body = response_body(
            request,
            status="SUCCESS",
            physical_id=physical,
            reason=answer.reason,
            data=json_value(answer.data, "custom resource handler") if answer.data else None,
            no_echo=answer.no_echo,
        )
    except (HandlerError, ValueError) as exc:  # not JSON (a lone surrogate is a ValueError)
        problem = f"the handler's response cannot be sent: {describe(exc)}"
    else:
        if len(body) <= BODY_LIMIT:
            return body
        problem = f"the response is {len(body)} bytes, more than CloudFormation's {BODY_LIMIT}"
    return response_body(request, status="FAILED", physical_id=default_id, reason=problem)
