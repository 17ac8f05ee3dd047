"""AWS CloudFormation custom resources (LAMBDA.md §8.3).

The request: ``RequestType`` (Create, Update, Delete), ``RequestId``, ``ResponseURL`` (a
pre-signed S3 URL), ``ResourceType``, ``LogicalResourceId``, ``StackId``,
``ResourceProperties``; Update and Delete add ``PhysicalResourceId``, Update adds
``OldResourceProperties``. The answer is not the function's result: it is exactly one
HTTP ``PUT`` of a JSON response object to ``ResponseURL`` (``Status``, ``Reason``,
``PhysicalResourceId``, ``StackId``, ``RequestId``, ``LogicalResourceId``, ``NoEcho``,
``Data``; at most 4096 bytes; an empty ``Content-Type`` because the URL is pre-signed).
A stack whose resource gets no answer waits an hour, so the PUT is sent in every case:
``SUCCESS`` when the handler returns, ``FAILED`` with the reason when it raises, when no
route takes the event, when the request does not decode (a field missing or of the
wrong type, named in the reason: the request is decoded as the event's one item, so
that it fails alone and is still answered), and when the handler is still running at
the deadline (the source keeps :data:`RESERVE` seconds of the invocation for the PUT). So that the deadline
can cut every handler, plain ``def`` handlers always run in a worker thread (the spec's
``threaded``), whatever the route says; at the deadline the thread is abandoned, the
``FAILED`` response is PUT, and what the handler does afterwards is never sent. An
``async def`` handler is cancelled at the deadline (one that shields itself from
cancellation, or blocks the event loop, delays the PUT until it yields). The PUT is retried
on connection errors and 5xx/429 answers; when it cannot be delivered at all the
invocation fails (:class:`ResponseNotDelivered`), so that Lambda's retry of the
asynchronous invocation can try again.

Route key: ``ResourceType``; ``app.custom_resource(resource_type)``. A handler's payload is
``ResourceProperties``; ``old_properties`` (by name) is ``OldResourceProperties``.
Events without ``ResponseURL`` (the CDK provider framework's ``onEvent``) stay ``direct``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final, Literal

import msgspec

from lambent._errors import ConfigurationError
from lambent.sources._answer import describe, item_parameters, object_payload
from lambent.sources._base import Outcome, SourceSpec
from lambent.sources._cfn_response import (
    CustomResourceResponse,
    response_body,
    success_body,
)
from lambent.sources._match import Filter, glob_filter, glob_shadow
from lambent.sources._presigned_put import ResponseNotDelivered, put_response, time_left

__all__ = [
    "RESERVE",
    "SPECS",
    "CreateRequest",
    "CustomResourceRequest",
    "CustomResourceResponse",
    "DeleteRequest",
    "ResponseNotDelivered",
    "UpdateRequest",
    "detect",
    "put_response",
    "response_body",
]

#: seconds kept before the Lambda deadline for the PUT (the handler's deadline comes first)
RESERVE: Final = 2.0


class CustomResourceRequest(msgspec.Struct, rename="pascal", frozen=True, gc=False, kw_only=True):
    """What every request type carries (a handler may declare this base)."""

    request_type: str
    request_id: str
    response_url: str = msgspec.field(name="ResponseURL")
    resource_type: str
    logical_resource_id: str
    stack_id: str
    resource_properties: dict[str, Any] = {}
    service_token: str | None = None

    @property
    def physical_id(self) -> str | None:
        """The resource's physical id (``None`` on Create)."""
        return None


class CreateRequest(CustomResourceRequest, frozen=True, gc=False, kw_only=True):
    """``RequestType: Create``."""


class UpdateRequest(CustomResourceRequest, frozen=True, gc=False, kw_only=True):
    """``RequestType: Update``: a new physical id in the response replaces the resource."""

    physical_resource_id: str
    old_resource_properties: dict[str, Any] = {}

    @property
    def physical_id(self) -> str | None:
        return self.physical_resource_id


class DeleteRequest(CustomResourceRequest, frozen=True, gc=False, kw_only=True):
    """``RequestType: Delete``."""

    physical_resource_id: str

    @property
    def physical_id(self) -> str | None:
        return self.physical_resource_id


def detect(event: Mapping[str, Any]) -> bool:
    """``RequestType`` with ``ResponseURL``, ``StackId``, ``RequestId``,
    ``LogicalResourceId`` and ``ResourceType``."""
    return all(
        k in event
        for k in ("ResponseURL", "StackId", "RequestId", "LogicalResourceId", "ResourceType")
    )


def _default_physical_id(request: CustomResourceRequest, context: Any) -> str:
    stream = getattr(context, "log_stream_name", None)
    if isinstance(stream, str) and stream:
        return stream
    return f"{request.logical_resource_id}-{request.request_id}"


def _reason(error: BaseException, context: Any) -> str:
    stream = getattr(context, "log_stream_name", None)
    return describe(error) + (f" (CloudWatch log stream {stream})" if stream else "")


def _raw_request(event: Mapping[str, Any]) -> CustomResourceRequest | None:
    """The fields a response needs, read from a request that did not decode (a field
    missing or of the wrong type), when they are all strings; else None."""
    fields = {key: event.get(key) for key in _ANSWER_FIELDS}
    text = {key: value for key, value in fields.items() if isinstance(value, str) and value}
    if len(text) < len(fields):
        return None
    request_type = event.get("RequestType")
    resource_type = event.get("ResourceType")
    return CustomResourceRequest(
        request_type=request_type if isinstance(request_type, str) else "",
        request_id=text["RequestId"],
        response_url=text["ResponseURL"],
        resource_type=resource_type if isinstance(resource_type, str) else "",
        logical_resource_id=text["LogicalResourceId"],
        stack_id=text["StackId"],
    )


def _request(outcome: Outcome) -> tuple[CustomResourceRequest, str | None]:
    """The request an outcome answers, and its physical id (``None`` on Create): read from
    the raw event when it did not decode (the error then says which field is wrong)."""
    request: CustomResourceRequest | None = outcome.items[0]
    if request is not None:
        return request, request.physical_id
    raw = _raw_request(outcome.event)
    if raw is None:  # cannot happen: ``_raw_id`` named the request, so these are strings
        raise ResponseNotDelivered("the request has no ResponseURL, StackId, ... to answer")
    physical = outcome.event.get("PhysicalResourceId")
    return raw, physical if isinstance(physical, str) and physical else None


def build(outcome: Outcome) -> bytes:
    """The response body for an invocation's outcome (:class:`ResponseNotDelivered` when
    even a ``FAILED`` one cannot be encoded: the request's own fields are not text)."""
    request, physical_id = _request(outcome)
    default_id = physical_id or _default_physical_id(request, outcome.context)
    error = outcome.errors[0]
    try:
        if error is None:
            return success_body(request, outcome.results[0], default_id)
        reason = _reason(error, outcome.context)
        return response_body(request, status="FAILED", physical_id=default_id, reason=reason)
    except ValueError as exc:
        raise ResponseNotDelivered(f"the response cannot be encoded: {describe(exc)}") from exc


async def answer(outcome: Outcome) -> None:
    """PUT the response (in a worker thread when an event loop runs); the function's own
    result is ``None``."""
    request, _ = _request(outcome)
    body = build(outcome)
    left = time_left(outcome.context)
    try:
        import asyncio

        asyncio.get_running_loop()
    except RuntimeError:  # a loop-free invocation: nothing else runs, block
        put_response(request.response_url, body, time_left=left)
        return
    import anyio.to_thread

    await anyio.to_thread.run_sync(lambda: put_response(request.response_url, body, time_left=left))


#: the resource type of a template's ``AWS::CloudFormation::CustomResource``
GENERIC_TYPE: Final = "AWS::CloudFormation::CustomResource"
#: CloudFormation's limit on a custom resource type's length
TYPE_LIMIT: Final = 60


def route_filter(resource_type: str | None = None) -> Filter:
    """``ResourceType`` (globs allowed). A type no template can have (a logical id such as
    ``"MyBucket"``, ``"Custom:Bucket"``) is refused: no request would ever match it."""
    if resource_type is not None and not any(ch in resource_type for ch in "*?["):
        custom = resource_type.startswith("Custom::") and len(resource_type) > len("Custom::")
        if not (custom or resource_type == GENERIC_TYPE):
            name = resource_type.rpartition(":")[2] or "Name"
            raise ConfigurationError(
                f"custom_resource: resource_type={resource_type!r} is not a custom resource "
                f"type, so no request would match it; give the template's Type: "
                f"'Custom::{name}' or {GENERIC_TYPE!r} (not the logical id)"
            )
        if len(resource_type) > TYPE_LIMIT:
            raise ConfigurationError(
                f"custom_resource: resource_type={resource_type!r} is longer than the "
                f"{TYPE_LIMIT} characters CloudFormation allows, so no request would match it"
            )
    return glob_filter("resource_type", resource_type)


#: the request's fields every response copies, and the URL it goes to
_ANSWER_FIELDS: Final = ("ResponseURL", "StackId", "RequestId", "LogicalResourceId")


_object_properties = object_payload("the request's ResourceProperties")
_REQUESTS: Final = (CreateRequest, UpdateRequest, DeleteRequest)


def check_route(where: str, plan: Any, filters: Mapping[str, Any]) -> None:
    """The properties are an object (:func:`object_payload`), and a request parameter
    takes every request type: a route gets the resource's Create, Update and Delete, so
    ``request: UpdateRequest`` would fail its Create (no ``physical_resource_id``)."""
    _object_properties(where, plan, filters)
    hint = (
        "a route takes every request type of its resource; declare CustomResourceRequest "
        "and read request.request_type, or a union of the three"
    )
    item_parameters(where, plan, _REQUESTS, hint)


def _key(event: Any, item: CustomResourceRequest) -> Hashable:
    return item.resource_type


def _raw_id(raw: Any) -> str | None:
    """How a request that does not decode is named, when it can still be answered (the
    ``FAILED`` PUT says which field is wrong); ``None`` fails the invocation instead."""
    if not isinstance(raw, Mapping) or _raw_request(raw) is None:
        return None
    kind = raw.get("RequestType")
    return f"{raw['LogicalResourceId']} {kind if isinstance(kind, str) else '?'} {raw['RequestId']}"


class _OtherRequest(CustomResourceRequest, frozen=True, gc=False, kw_only=True):
    """A request of a type CloudFormation does not send (``"create"`` in a hand-made
    event): it never decodes, so it fails as its item, answered FAILED naming the field."""

    request_type: Literal["Create", "Update", "Delete"]


#: the request types CloudFormation sends
REQUEST_TYPES: Final = ("Create", "Update", "Delete")


def _of_type(request_type: str | None) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an event has ``request_type`` (``None``: one CloudFormation does not send)."""
    if request_type is None:
        return lambda event: event.get("RequestType") not in REQUEST_TYPES
    return lambda event: event.get("RequestType") == request_type


def _spec(request_type: str | None, item_type: type[CustomResourceRequest]) -> SourceSpec[Any, Any]:
    of_type = _of_type(request_type)
    return SourceSpec(
        kind="cloudformation",
        requires="RequestType",
        detect=lambda event: of_type(event) and detect(event),
        # the event is read as it came, then decoded into the request as the one item: a
        # request that does not decode (a field missing or of the wrong type) fails as that
        # item, and is still answered FAILED, instead of failing the invocation unanswered
        event_type=dict[str, Any],
        items=lambda event: (msgspec.convert(event, item_type),),
        raw_items=lambda event: (event,),
        raw_id=_raw_id,
        item_type=item_type,
        item_id=lambda item: f"{item.logical_resource_id} {item.request_type} {item.request_id}",
        route_key=_key,
        payload=lambda item: item.resource_properties,
        payload_format="python",
        response="single",
        route_filter=route_filter,
        overlaps=glob_shadow("resource_type"),
        named={"old_properties": lambda item: getattr(item, "old_resource_properties", None)},
        answer=answer,
        check_route=check_route,
        reserve=RESERVE,
        threaded=True,
    )


#: one spec per request type, so that each decodes into its own Struct; then any other
SPECS: tuple[SourceSpec[Any, Any], ...] = (
    _spec("Create", CreateRequest),
    _spec("Update", UpdateRequest),
    _spec("Delete", DeleteRequest),
    _spec(None, _OtherRequest),
)
