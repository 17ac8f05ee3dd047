"""AWS AppSync direct Lambda resolvers (LAMBDA.md §8.2).

The event is the resolver context: ``arguments``, ``identity``, ``source``, ``request``,
``prev``, ``info {fieldName, parentTypeName, variables, selectionSetList,
selectionSetGraphQL}``, ``stash``. Amplify ``@function``-style templates send
``typeName`` and ``fieldName`` at the top level instead of ``info``; both are routed
alike. With ``BatchInvoke`` the event is a top-level JSON **array** of such contexts and
the answer a list of the same size, in the same order.

Route key: ``(type name, field name)``; ``app.appsync(type_name, field_name)`` (globs
allowed). A handler's payload is ``arguments``, decoded into its declared type; its
return value is the field's value. A single resolver's error fails the invocation
(AppSync reports ``Lambda:Unhandled``); in a batch, a failing element answers
``{"errorMessage", "errorType"}`` (from :class:`AppSyncError`: its own type and data)
and the other elements are unaffected; so does an element that does not decode (its
context decoded on its own, a ``DecodeError`` naming the field). Elements of a batch run concurrently (the
route's or app's ``concurrency``) when the handler is ``async def`` or ``threaded``.

AppSync *authorizer* events (``authorizationToken``, ``requestContext``) are not
resolver events and stay ``direct``, as do whole mapping documents
(``{version, operation, payload}``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import msgspec

from lambent._errors import ConfigurationError, DecodeError, HandlerError
from lambent.sources._answer import (
    describe,
    handler_name,
    json_value,
    object_payload,
    own_error,
    printable,
)
from lambent.sources._base import Outcome, SourceSpec
from lambent.sources._match import Filter, glob, glob_shadow, pair, shown

__all__ = [
    "SPECS",
    "AppSyncCognitoIdentity",
    "AppSyncError",
    "AppSyncIamIdentity",
    "AppSyncInfo",
    "AppSyncLambdaIdentity",
    "AppSyncRequest",
    "AppSyncResolverEvent",
    "detect",
]


class AppSyncError(Exception):
    """Raise it from a resolver to choose the GraphQL error's ``errorType`` (and, in a
    batch, the element's ``data``)."""

    def __init__(self, message: str, error_type: str | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.data = data


class AppSyncInfo(msgspec.Struct, rename="camel", frozen=True, gc=False):
    field_name: str
    parent_type_name: str
    variables: dict[str, Any] = {}
    selection_set_list: list[str] = []
    selection_set_graphql: str | None = msgspec.field(default=None, name="selectionSetGraphQL")


class AppSyncRequest(msgspec.Struct, rename="camel", frozen=True, gc=False):
    headers: dict[str, str] = {}
    domain_name: str | None = None


class AppSyncIamIdentity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """``AWS_IAM`` authorization."""

    account_id: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_identity_id: str | None = None
    source_ip: list[str] = []
    username: str | None = None
    user_arn: str | None = None
    cognito_identity_auth_type: str | None = None
    cognito_identity_auth_provider: str | None = None


class AppSyncCognitoIdentity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """Cognito user pools and OpenID Connect authorization."""

    sub: str | None = None
    issuer: str | None = None
    username: str | None = None
    claims: dict[str, Any] = {}
    source_ip: list[str] = []
    default_auth_strategy: str | None = None
    groups: list[str] | None = None


class AppSyncLambdaIdentity(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """Lambda authorization: what the authorizer put in ``resolverContext``."""

    resolver_context: dict[str, Any] = {}


Identity = AppSyncIamIdentity | AppSyncCognitoIdentity | AppSyncLambdaIdentity


class AppSyncResolverEvent(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """One resolver invocation (one element of a ``BatchInvoke`` array)."""

    arguments: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None
    source: dict[str, Any] | None = None
    request: AppSyncRequest | None = None
    prev: dict[str, Any] | None = None
    info: AppSyncInfo | None = None
    stash: dict[str, Any] = {}
    #: Amplify-style payloads carry these at the top level instead of ``info``
    top_type_name: str | None = msgspec.field(default=None, name="typeName")
    top_field_name: str | None = msgspec.field(default=None, name="fieldName")

    @property
    def type_name(self) -> str:
        """The parent type (``Query``, ``Mutation``, ``Post``, ...)."""
        return self.info.parent_type_name if self.info is not None else self.top_type_name or ""

    @property
    def field_name(self) -> str:
        return self.info.field_name if self.info is not None else self.top_field_name or ""

    @property
    def typed_identity(self) -> Identity | None:
        """``identity`` as the Struct of its authorization mode (``None``: API key); one
        that does not fit it raises :class:`~lambent.DecodeError` naming the field
        (``$.identity.sub``)."""
        found = self.identity
        if not found:
            return None
        mode: type[Identity]
        if "resolverContext" in found:
            mode = AppSyncLambdaIdentity
        elif "accountId" in found or "userArn" in found:
            mode = AppSyncIamIdentity
        else:
            mode = AppSyncCognitoIdentity
        try:
            return msgspec.convert(found, mode)
        except msgspec.ValidationError as exc:
            from lambent._decode import as_decode_error

            err = as_decode_error(exc, None)
            raise DecodeError(
                f"identity is not a valid {mode.__name__}: {err.reason}",
                path="$.identity" + err.path[1:],
            ) from None


def detect(event: Mapping[str, Any]) -> bool:
    """A resolver context: ``arguments`` with ``info.fieldName``/``info.parentTypeName``,
    or with top-level ``typeName``/``fieldName`` (Amplify style)."""
    info = event.get("info")
    if isinstance(info, dict):
        return isinstance(info.get("fieldName"), str) and "parentTypeName" in info
    return isinstance(event.get("typeName"), str) and isinstance(event.get("fieldName"), str)


#: a GraphQL name (the spec's ``Name``); a pattern may add glob characters to it
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_PATTERN = re.compile(r"[_0-9A-Za-z*?\[\]!-]+")


def _check_name(field: str, value: str | None, type_name: str | None) -> None:
    """A type or field name is a GraphQL name or a glob of one, else no event could match
    it: ``"Query.getPost"`` given as one type name is the usual slip."""
    if value is None:
        return
    glob_pattern = any(ch in value for ch in "*?[")
    if _PATTERN.fullmatch(value) if glob_pattern else _NAME.fullmatch(value):
        return
    hint = "a GraphQL name such as 'Query' or 'getPost', or a glob"
    parent, dot, child = value.partition(".")
    if field == "type_name" and dot and _NAME.fullmatch(parent) and _NAME.fullmatch(child):
        hint = f"the type and the field apart: app.appsync({parent!r}, {child!r})"
    elif field == "field_name" and type_name is not None and value.startswith(f"{type_name}."):
        hint = f"the field's own name: app.appsync({type_name!r}, {value.partition('.')[2]!r})"
    raise ConfigurationError(
        f"appsync route: {field}={value!r} is not a GraphQL name, so no resolver event would "
        f"match it; give {hint}"
    )


def route_filter(type_name: str | None = None, field_name: str | None = None) -> Filter:
    _check_name("type_name", type_name, None)
    _check_name("field_name", field_name, type_name)
    return Filter(
        shown(type_name=type_name, field_name=field_name), pair(glob(type_name), glob(field_name))
    )


def _key(event: Any, item: AppSyncResolverEvent) -> Hashable:
    return (item.type_name, item.field_name)


def element_error(error: BaseException) -> dict[str, Any]:
    """A failed batch element: ``{"data", "errorMessage", "errorType"}``."""
    if isinstance(error, AppSyncError):
        try:
            data = json_value(error.data, "AppSyncError")
        except HandlerError:  # data that cannot be sent is left out, the error stays
            data = None
        kind = printable(str(error.error_type or type(error).__name__))
        return {"data": data, "errorMessage": printable(str(error.message)), "errorType": kind}
    text = describe(error).partition(": ")[2]
    return {"data": None, "errorMessage": text, "errorType": type(error).__name__}


def answer_one(outcome: Outcome) -> Any:
    handler = handler_name("appsync", outcome.filters[0])
    error = outcome.errors[0]
    if error is not None:
        raise own_error(error, handler)
    return json_value(outcome.results[0], handler)


def answer_batch(outcome: Outcome) -> list[Any]:
    """One answer per element, in order; a failure stays in its own element."""
    answers: list[Any] = []
    for result, error, filters in zip(
        outcome.results, outcome.errors, outcome.filters, strict=True
    ):
        if error is None:
            try:
                answers.append(json_value(result, handler_name("appsync", filters)))
                continue
            except HandlerError as exc:
                error = exc
        answers.append(element_error(error))
    return answers


def _item_id(item: AppSyncResolverEvent) -> str:
    return f"{item.type_name}.{item.field_name}"


def _elements(event: Any) -> Sequence[Any]:
    """The raw resolver contexts of a ``BatchInvoke`` array (decoded one by one when the
    whole array does not decode, so that a bad element fails alone)."""
    return event if isinstance(event, list) else ()


def _raw_id(raw: Any) -> str:
    """How a context that does not decode is named: ``Type.field`` as far as it can be
    read. Never ``None``: the answer is positional, so every element can be reported."""
    if not isinstance(raw, dict):
        return "?.?"
    info = raw.get("info")
    if isinstance(info, dict):
        parts = (info.get("parentTypeName"), info.get("fieldName"))
    else:  # Amplify style
        parts = (raw.get("typeName"), raw.get("fieldName"))
    return ".".join(part if isinstance(part, str) else "?" for part in parts)


def _detect_array(first: Mapping[str, Any]) -> bool:
    """A ``BatchInvoke`` array, judged by its first element."""
    return "arguments" in first and detect(first)


def _spec(event_type: Any, array: bool) -> SourceSpec[Any, AppSyncResolverEvent]:
    return SourceSpec(
        kind="appsync",
        # ``requires`` is for objects: an array's first element is judged by ``detect``
        requires=None if array else "arguments",
        detect=_detect_array if array else detect,
        event_type=event_type,
        item_type=AppSyncResolverEvent,
        items=(lambda event: event) if array else (lambda event: (event,)),
        raw_items=_elements if array else None,
        raw_id=_raw_id if array else None,
        item_id=_item_id,
        route_key=_key,
        payload=lambda item: item.arguments or {},
        payload_format="python",
        response="single",
        route_filter=route_filter,
        overlaps=glob_shadow("type_name", "field_name"),
        answer=answer_batch if array else answer_one,
        check_route=object_payload("the field's arguments"),
        unique_ids=False,  # no id per delivery: idempotency_key only
        array=array,
    )


#: a single resolver, then ``BatchInvoke`` (a JSON array of resolver contexts)
SPECS: tuple[SourceSpec[Any, AppSyncResolverEvent], ...] = (
    _spec(AppSyncResolverEvent, array=False),
    _spec(list[AppSyncResolverEvent], array=True),
)
