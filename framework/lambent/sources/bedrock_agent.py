"""Amazon Bedrock agent action groups (LAMBDA.md §8.5).

Every event carries ``messageVersion``, ``agent {name, id, alias, version}``,
``inputText``, ``sessionId``, ``actionGroup``, ``sessionAttributes`` and
``promptSessionAttributes``, then one of two forms:

* **OpenAPI** (an action group defined by an API schema): ``apiPath`` (the path template
  itself, values come in ``parameters``), ``httpMethod``, ``parameters [{name, type,
  value}]`` and ``requestBody {content {<media type> {properties [...]}}}``;
* **function details**: ``function`` and ``parameters``.

``app.bedrock_agent(api_path=..., function=...)`` routes by ``apiPath`` (with
``http_method``) or by ``function``. A handler's payload is a mapping of every parameter
and request-body property by name, each value converted by its declared ``type``
(``integer``, ``number``, ``boolean``, ``array``; others stay text), decoded into the
handler's type. Its return value becomes the response body (text as is, anything else
JSON), or it returns a :class:`BedrockAgentResponse`; session attributes are echoed. An
error answers ``responseState: FAILURE`` with the error as the body.

The OpenAPI form has ``httpMethod`` and ``apiPath`` but no ``resource`` or
``requestContext``: it is not an API Gateway event.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

import msgspec

from lambent._errors import ConfigurationError, HandlerError
from lambent.sources._answer import (
    describe,
    handler_name,
    item_parameters,
    json_text,
    json_value,
    object_payload,
)
from lambent.sources._base import Outcome, SourceSpec
from lambent.sources._match import Filter, exact, shown

__all__ = [
    "SPECS",
    "BedrockAgent",
    "BedrockAgentEvent",
    "BedrockAgentFunctionEvent",
    "BedrockAgentOpenAPIEvent",
    "BedrockAgentResponse",
    "BedrockMediaContent",
    "BedrockParameter",
    "BedrockRequestBody",
    "detect",
    "parameters",
]


class BedrockAgent(msgspec.Struct, frozen=True, gc=False):
    """The agent calling the action group. ``alias`` and ``version`` are empty when the
    event leaves them out (LAMBDA.md §8.5 lists them; that they are always sent is
    unconfirmed, and nothing routes on them)."""

    name: str
    id: str
    alias: str = ""
    version: str = ""


if TYPE_CHECKING:
    _Attributes = dict[str, str]
else:  # what decodes: a ``null`` too, made empty by ``BedrockAgentEvent.__post_init__``
    _Attributes = dict[str, str] | None


class BedrockParameter(msgspec.Struct, frozen=True, gc=False):
    name: str
    type: str = "string"
    value: Any = None


class BedrockMediaContent(msgspec.Struct, frozen=True, gc=False):
    properties: list[BedrockParameter] = []


class BedrockRequestBody(msgspec.Struct, frozen=True, gc=False):
    content: dict[str, BedrockMediaContent] = {}


class BedrockAgentEvent(msgspec.Struct, rename="camel", frozen=True, gc=False, kw_only=True):
    """What both forms carry."""

    message_version: str
    agent: BedrockAgent
    action_group: str
    input_text: str | None = None
    session_id: str | None = None
    #: ``{}`` when the event has none (absent or ``null``)
    session_attributes: _Attributes = {}
    #: ``{}`` when the event has none (absent or ``null``)
    prompt_session_attributes: _Attributes = {}
    parameters: list[BedrockParameter] = []

    def __post_init__(self) -> None:
        # a null map is no attributes: the handler runs and the answer echoes ``{}``
        for name in ("session_attributes", "prompt_session_attributes"):
            if getattr(self, name) is None:
                msgspec.structs.force_setattr(self, name, {})


class BedrockAgentOpenAPIEvent(BedrockAgentEvent, frozen=True, gc=False, kw_only=True):
    api_path: str
    http_method: str
    request_body: BedrockRequestBody | None = None


class BedrockAgentFunctionEvent(BedrockAgentEvent, frozen=True, gc=False, kw_only=True):
    function: str


class BedrockAgentResponse(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """What a handler may return to shape the answer. ``body``: text as is, anything else
    as JSON; ``session_attributes``/``prompt_session_attributes``: replace the echoed
    ones; ``response_state``: ``REPROMPT`` sends the body back to the model."""

    body: Any = None
    status_code: int = 200
    content_type: str = "application/json"
    response_state: Literal["FAILURE", "REPROMPT"] | None = None
    session_attributes: dict[str, str] | None = None
    prompt_session_attributes: dict[str, str] | None = None


def detect(event: Mapping[str, Any]) -> bool:
    """``messageVersion``, ``agent`` (an object) and ``actionGroup``."""
    return isinstance(event.get("agent"), dict) and "actionGroup" in event


def _typed(parameter: BedrockParameter) -> Any:
    value, kind = parameter.value, parameter.type.lower()
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind in ("array", "object"):
            return msgspec.json.decode(value)
    except (ValueError, msgspec.DecodeError):
        return value  # the handler's type then says what is wrong with it
    return value


def parameters(event: BedrockAgentEvent) -> dict[str, Any]:
    """Every parameter and request-body property by name, converted by its type (the
    handler's payload)."""
    found = {p.name: _typed(p) for p in event.parameters}
    body = getattr(event, "request_body", None)
    if body is not None and body.content:
        media = body.content.get("application/json") or next(iter(body.content.values()))
        found.update((p.name, _typed(p)) for p in media.properties)
    return found


def route_filter(
    api_path: str | None = None, function: str | None = None, http_method: str | None = None
) -> Filter:
    if api_path is not None and function is not None:
        raise ConfigurationError(
            "bedrock-agent route: give api_path (an OpenAPI action) or function, not both"
        )
    method = http_method.upper() if http_method is not None else None
    if method is not None and function is not None:
        raise ConfigurationError(
            f"bedrock-agent route: http_method={http_method!r} with function={function!r}; a "
            "function-details action has no HTTP method, so no event would match: drop "
            "http_method, or give the OpenAPI api_path instead of function"
        )
    if method is not None and method not in METHODS:
        raise ConfigurationError(
            f"bedrock-agent route: http_method={http_method!r} is not an OpenAPI operation; "
            f"use one of {', '.join(sorted(METHODS))}"
        )
    if api_path is not None and not api_path.startswith("/"):
        raise ConfigurationError(
            f"bedrock-agent route: api_path={api_path!r} does not start with '/'; give the path "
            f"as the action group's OpenAPI schema names it, e.g. '/{api_path}'"
        )
    matches = (exact(api_path), exact(method), exact(function))

    def match(key: Hashable) -> bool:
        path, verb, name = cast("tuple[Hashable, Hashable, Hashable]", key)
        return matches[0](path) and matches[1](verb) and matches[2](name)

    return Filter(shown(api_path=api_path, http_method=method, function=function), match)


#: the operations an OpenAPI path item can have
METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


def _key(event: Any, item: BedrockAgentEvent) -> Hashable:
    if isinstance(item, BedrockAgentOpenAPIEvent):
        return (item.api_path, item.http_method.upper(), None)
    return (None, None, getattr(item, "function", None))


def _attributes(value: Any) -> bool:
    return value is None or (
        isinstance(value, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def _checked(reply: BedrockAgentResponse, handler: str) -> str:
    """The body text of a handler's reply, when each field has what Bedrock reads there
    (a Struct's constructor checks nothing); else a :class:`HandlerError` naming it."""
    problem = None
    if reply.response_state not in (None, "FAILURE", "REPROMPT"):
        problem = f"response_state is {reply.response_state!r}, not 'FAILURE', 'REPROMPT' or None"
    elif type(reply.status_code) is not int or not 100 <= reply.status_code <= 599:
        problem = f"status_code is {reply.status_code!r}, not an HTTP status (an int)"
    elif not isinstance(reply.content_type, str) or not reply.content_type.isascii():
        problem = f"content_type is {reply.content_type!r}, not a media type"
    for field in ("session_attributes", "prompt_session_attributes"):
        if problem is None and not _attributes(getattr(reply, field)):
            problem = f"{field} is not a mapping of strings to strings"
    if problem is not None:
        raise HandlerError(handler, f"returned a BedrockAgentResponse whose {problem}")
    body = reply.body
    if isinstance(body, Mapping) and "messageVersion" in body and "response" in body:
        raise HandlerError(
            handler,
            "returned a whole Bedrock response (messageVersion, response), which would be sent "
            "as the body of another; lambent builds the response: return the body, or "
            "BedrockAgentResponse(body=..., status_code=..., response_state=...) to shape it",
        )
    if reply.session_attributes or reply.prompt_session_attributes:
        json_value([reply.session_attributes, reply.prompt_session_attributes], handler)
    return json_text(reply.body, handler)


def answer(outcome: Outcome) -> dict[str, Any]:
    """The OpenAPI or function response envelope; session attributes echoed."""
    event: BedrockAgentEvent = outcome.items[0]
    value, error = outcome.results[0], outcome.errors[0]
    reply = value if isinstance(value, BedrockAgentResponse) else BedrockAgentResponse(body=value)
    if error is None:
        try:
            text = _checked(reply, handler_name("bedrock-agent", outcome.filters[0]))
        except HandlerError as exc:
            error = exc
    if error is not None:
        text = describe(error)
        reply = BedrockAgentResponse(
            body=text, status_code=500, content_type="text/plain", response_state="FAILURE"
        )
    response: dict[str, Any] = {"actionGroup": event.action_group}
    if isinstance(event, BedrockAgentOpenAPIEvent):
        response["apiPath"] = event.api_path
        response["httpMethod"] = event.http_method
        response["httpStatusCode"] = reply.status_code
        response["responseBody"] = {reply.content_type: {"body": text}}
        if reply.response_state is not None:
            response["responseState"] = reply.response_state
    else:
        function: dict[str, Any] = {}
        if reply.response_state is not None:
            function["responseState"] = reply.response_state
        function["responseBody"] = {"TEXT": {"body": text}}  # only TEXT is supported
        response["function"] = getattr(event, "function", "")
        response["functionResponse"] = function
    session = reply.session_attributes
    prompt = reply.prompt_session_attributes
    return {
        "messageVersion": "1.0",
        "response": response,
        "sessionAttributes": event.session_attributes if session is None else session,
        "promptSessionAttributes": event.prompt_session_attributes if prompt is None else prompt,
    }


_object_parameters = object_payload("the action's parameters by name")


def check_route(where: str, plan: Any, filters: Mapping[str, Any]) -> None:
    """The parameters are an object (:func:`object_payload`), and an event parameter takes
    each form the route receives: OpenAPI events with ``api_path``/``http_method``, function
    events with ``function``, both with neither."""
    _object_parameters(where, plan, filters)
    if "function" in filters:
        arriving: tuple[type[BedrockAgentEvent], ...] = (BedrockAgentFunctionEvent,)
    elif "api_path" in filters or "http_method" in filters:
        arriving = (BedrockAgentOpenAPIEvent,)
    else:
        arriving = (BedrockAgentOpenAPIEvent, BedrockAgentFunctionEvent)
    hint = "declare BedrockAgentEvent (both forms), or the form of the route's filter"
    item_parameters(where, plan, arriving, hint)


def _spec(event_type: type[BedrockAgentEvent], key: str) -> SourceSpec[Any, Any]:
    return SourceSpec(
        kind="bedrock-agent",
        requires="messageVersion",
        detect=lambda event: key in event and detect(event),
        event_type=event_type,
        item_type=event_type,
        item_id=lambda item: f"{item.action_group} {item.session_id or ''}".rstrip(),
        route_key=_key,
        payload=parameters,
        payload_format="python",
        response="single",
        route_filter=route_filter,
        answer=answer,
        check_route=check_route,
        unique_ids=False,  # no id per delivery: idempotency_key only
    )


#: the OpenAPI form, then the function-details form
SPECS: tuple[SourceSpec[Any, Any], ...] = (
    _spec(BedrockAgentOpenAPIEvent, "apiPath"),
    _spec(BedrockAgentFunctionEvent, "function"),
)
