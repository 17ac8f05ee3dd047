"""Bedrock agent action groups: OpenAPI and function-details forms, typed parameters,
the response envelopes."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from lambent import App, ConfigurationError, EventDecodeError, RoutingError, sources
from lambent.sources import bedrock_agent
from lambent.sources.bedrock_agent import (
    BedrockAgentEvent,
    BedrockAgentFunctionEvent,
    BedrockAgentOpenAPIEvent,
    BedrockAgentResponse,
)
from lambent.testing import FakeContext, bedrock_agent_event
from tests import corpus
from tests.sources import _support


class Reminder(msgspec.Struct):
    claim_id: int = msgspec.field(name="claimId")
    pending_documents: str = msgspec.field(name="pendingDocuments")


class Lookup(msgspec.Struct):
    id: int
    verbose: bool = False


@pytest.mark.parametrize("row", corpus.params("bedrock-agent"))
def test_corpus_events_are_detected_and_answered_through_the_decorator(
    row: corpus.Row | None,
) -> None:
    raw = corpus.load(row)
    assert sources.detect(raw) == "bedrock-agent"
    app = App()

    @app.bedrock_agent(api_path=raw["apiPath"], http_method=raw["httpMethod"])
    def action(params: dict[str, Any], event: BedrockAgentOpenAPIEvent) -> dict[str, Any]:
        return {"seen": sorted(params)}

    answer = app.handler(raw, FakeContext())
    names = [p["name"] for p in raw.get("parameters", [])]
    body = raw.get("requestBody", {}).get("content", {}).get("application/json", {})
    names += [p["name"] for p in body.get("properties", [])]
    assert answer == {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": raw["actionGroup"],
            "apiPath": raw["apiPath"],
            "httpMethod": raw["httpMethod"],
            "httpStatusCode": 200,
            "responseBody": {
                "application/json": {
                    "body": json.dumps({"seen": sorted(names)}, separators=(",", ":"))
                }
            },
        },
        "sessionAttributes": raw["sessionAttributes"],
        "promptSessionAttributes": raw["promptSessionAttributes"],
    }


@pytest.mark.parametrize("row", _support.decline_rows("bedrock_agent"))
def test_detector_declines_other_events(row: corpus.Row | None) -> None:
    _support.assert_declines(bedrock_agent.detect, row)


def test_request_body_properties_decode_into_the_declared_type() -> None:
    # as in the corpus: a "string" property whose text the declared type reads as a number
    raw = bedrock_agent_event(
        "/send-reminders", "POST", body={"claimId": "20", "pendingDocuments": "vat"}
    )
    app = App()
    got: list[Reminder] = []

    @app.bedrock_agent(api_path="/send-reminders")
    def remind(reminder: Reminder) -> str:
        got.append(reminder)
        return "sent"

    answer = app.handler(raw, None)
    assert got[0].claim_id == 20
    assert answer["response"]["responseBody"] == {"application/json": {"body": "sent"}}


def test_parameters_are_converted_by_their_declared_type() -> None:
    app = App()

    @app.bedrock_agent(api_path="/items/{id}", http_method="get")
    def item(lookup: Lookup) -> dict[str, Any]:
        return {"id": lookup.id, "verbose": lookup.verbose}

    raw = bedrock_agent_event("/items/{id}", "GET", parameters={"id": 7, "verbose": True})
    body = app.handler(raw, None)["response"]["responseBody"]["application/json"]["body"]
    assert json.loads(body) == {"id": 7, "verbose": True}


def test_function_form_routes_by_function_and_answers_text() -> None:
    app = App()

    @app.bedrock_agent(function="get_weather")
    def weather(params: dict[str, Any], event: BedrockAgentEvent) -> str:
        assert isinstance(event, BedrockAgentFunctionEvent)
        return f"sunny in {params['city']}"

    raw = bedrock_agent_event(
        function="get_weather", parameters={"city": "Oslo"}, session_attributes={"u": "1"}
    )
    assert app.handler(raw, None) == {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": raw["actionGroup"],
            "function": "get_weather",
            "functionResponse": {"responseBody": {"TEXT": {"body": "sunny in Oslo"}}},
        },
        "sessionAttributes": {"u": "1"},
        "promptSessionAttributes": {},
    }


def test_errors_answer_failure_in_both_forms() -> None:
    app = App()

    @app.bedrock_agent(function="explode")
    def explode(params: dict[str, Any]) -> None:
        raise RuntimeError("backend down")

    @app.bedrock_agent(api_path="/explode")
    def explode_api(params: dict[str, Any]) -> None:
        raise RuntimeError("backend down")

    function = app.handler(bedrock_agent_event(function="explode"), None)["response"]
    assert function["functionResponse"] == {
        "responseState": "FAILURE",
        "responseBody": {"TEXT": {"body": "RuntimeError: backend down"}},
    }
    api = app.handler(bedrock_agent_event("/explode", "POST"), None)["response"]
    assert api["responseState"] == "FAILURE" and api["httpStatusCode"] == 500
    assert api["responseBody"] == {"text/plain": {"body": "RuntimeError: backend down"}}


def test_a_response_struct_shapes_the_answer() -> None:
    app = App()

    @app.bedrock_agent(function="ask")
    def ask(params: dict[str, Any]) -> BedrockAgentResponse:
        return BedrockAgentResponse(
            body="which city?", response_state="REPROMPT", session_attributes={"step": "2"}
        )

    answer = app.handler(bedrock_agent_event(function="ask", session_attributes={"a": "b"}), None)
    assert answer["response"]["functionResponse"]["responseState"] == "REPROMPT"
    assert answer["sessionAttributes"] == {"step": "2"}


def test_unrouted_actions_fail_and_bad_routes_are_refused() -> None:
    app = App()

    @app.bedrock_agent(function="known")
    def known(params: dict[str, Any]) -> str:
        return "ok"

    answer = app.handler(bedrock_agent_event(function="unknown"), None)
    body = answer["response"]["functionResponse"]
    assert body["responseState"] == "FAILURE"
    assert body["responseBody"]["TEXT"]["body"].startswith(RoutingError.__name__)
    with pytest.raises(ConfigurationError, match="not both"):
        app.bedrock_agent(api_path="/x", function="y")


def test_the_openapi_form_is_not_api_gateway() -> None:
    raw = bedrock_agent_event("/items/{id}", "GET")
    assert sources.detect(raw) == "bedrock-agent"
    assert msgspec.convert(raw, BedrockAgentOpenAPIEvent).http_method == "GET"


def test_a_body_that_cannot_be_sent_answers_failure() -> None:
    app = App()

    @app.bedrock_agent(function="odd")
    def odd(params: dict[str, Any]) -> object:
        return {"x": object()}

    body = app.handler(bedrock_agent_event(function="odd"), None)["response"]["functionResponse"]
    assert body["responseState"] == "FAILURE"
    assert body["responseBody"]["TEXT"]["body"].startswith("HandlerError: bedrock-agent route")


def _failure(answer: dict[str, Any]) -> str:
    """The FAILURE text of an answer in the OpenAPI form (its state and status checked)."""
    response = answer["response"]
    assert (response["responseState"], response["httpStatusCode"]) == ("FAILURE", 500)
    text: str = response["responseBody"]["text/plain"]["body"]
    return text


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (BedrockAgentResponse(body="x", response_state="DONE"), "response_state is 'DONE'"),  # type: ignore[arg-type]
        (BedrockAgentResponse(body="x", status_code="200"), "status_code is '200'"),  # type: ignore[arg-type]
        (BedrockAgentResponse(body="x", status_code=True), "status_code is True"),
        (BedrockAgentResponse(body="x", content_type=None), "content_type is None"),  # type: ignore[arg-type]
        (
            BedrockAgentResponse(body="x", session_attributes={"n": 1}),  # type: ignore[dict-item]
            "session_attributes is not a mapping of strings to strings",
        ),
        (
            BedrockAgentResponse(body="x", prompt_session_attributes={"n": "\ud800"}),
            "surrogates not allowed",
        ),
        (BedrockAgentResponse(body="\ud800"), "surrogates not allowed"),
        (BedrockAgentResponse(body={"score": float("inf")}), "Out of range float"),
        (float("nan"), "Out of range float"),
    ],
)
def test_a_reply_bedrock_cannot_read_answers_failure_naming_the_field(
    reply: object, problem: str
) -> None:
    """A Struct's constructor checks nothing: these went out as they were (NaN as null, a
    string status code, a state Bedrock does not know; a lone surrogate failed the runtime's
    encoding, so the agent got a Lambda error instead of the FAILURE answer)."""
    app = App()

    @app.bedrock_agent(api_path="/claims", http_method="GET")
    def claims(params: dict[str, Any]) -> object:
        return reply

    answer = app.handler(bedrock_agent_event("/claims", "GET", session_attributes={"k": "v"}))
    text = _failure(answer)
    assert problem in text
    assert "bedrock-agent route (api_path='/claims'" in text
    assert answer["sessionAttributes"] == {"k": "v"}  # echoed: the reply's were not used
    msgspec.json.encode(answer)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"function": "weather", "http_method": "GET"}, "a function-details action has no"),
        ({"api_path": "/claims", "http_method": "FETCH"}, "is not an OpenAPI operation"),
        ({"api_path": "claims/{id}"}, "e.g. '/claims/{id}'"),
    ],
)
def test_routes_no_event_could_match_are_refused(options: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigurationError, match="bedrock-agent route") as raised:
        App().bedrock_agent(
            api_path=options.get("api_path"),
            function=options.get("function"),
            http_method=options.get("http_method"),
        )
    assert problem in str(raised.value)


def test_a_lower_case_method_and_a_method_alone_are_accepted() -> None:
    app = App()

    @app.bedrock_agent(http_method="post")
    def any_post(params: dict[str, Any]) -> str:
        return "posted"

    answer = app.handler(bedrock_agent_event("/claims", "POST"))
    assert answer["response"]["responseBody"]["application/json"]["body"] == "posted"


@pytest.mark.parametrize(
    ("options", "annotation", "missing"),
    [
        ({"function": "weather"}, BedrockAgentOpenAPIEvent, "BedrockAgentFunctionEvent"),
        ({"api_path": "/claims"}, BedrockAgentFunctionEvent, "BedrockAgentOpenAPIEvent"),
        ({}, BedrockAgentOpenAPIEvent, "BedrockAgentFunctionEvent"),
    ],
)
def test_an_event_parameter_of_a_form_the_route_does_not_only_get_is_refused(
    options: dict[str, str], annotation: Any, missing: str
) -> None:
    """Such a handler got the other form too and failed on a missing attribute."""

    def handler(params: dict[str, Any], event: Any) -> None: ...

    handler.__annotations__ = {"params": dict[str, Any], "event": annotation, "return": None}
    with pytest.raises(ConfigurationError, match=f"does not take {missing}"):
        App().bedrock_agent(api_path=options.get("api_path"), function=options.get("function"))(
            handler
        )


@pytest.mark.parametrize(
    ("options", "annotation"),
    [
        ({"function": "weather"}, BedrockAgentFunctionEvent),
        ({"api_path": "/claims"}, BedrockAgentOpenAPIEvent),
        ({}, BedrockAgentEvent),
        ({}, BedrockAgentOpenAPIEvent | BedrockAgentFunctionEvent),
    ],
)
def test_an_event_parameter_taking_what_the_route_gets_registers_and_gets_it(
    options: dict[str, str], annotation: Any
) -> None:
    got: list[type] = []

    def handler(params: dict[str, Any], event: Any) -> None:
        got.append(type(event))

    handler.__annotations__ = {"params": dict[str, Any], "event": annotation, "return": None}
    app = App()
    app.bedrock_agent(api_path=options.get("api_path"), function=options.get("function"))(handler)
    if "function" in options:
        app.handler(bedrock_agent_event(function="weather"), FakeContext())
        assert got == [BedrockAgentFunctionEvent]
    else:
        app.handler(bedrock_agent_event("/claims", "GET"), FakeContext())
        assert got == [BedrockAgentOpenAPIEvent]


def test_a_whole_bedrock_response_returned_answers_failure_saying_what_to_return() -> None:
    """Code ported from AWS's examples returns the envelope: it went out as the body of
    another envelope, which the agent read as the action's result."""
    app = App()

    @app.bedrock_agent(function="weather")
    def weather(params: dict[str, Any]) -> dict[str, Any]:
        body = {"TEXT": {"body": "sunny"}}
        return {"messageVersion": "1.0", "response": {"functionResponse": {"responseBody": body}}}

    answer = app.handler(bedrock_agent_event(function="weather"))
    function = answer["response"]["functionResponse"]
    assert function["responseState"] == "FAILURE"
    assert "returned a whole Bedrock response" in function["responseBody"]["TEXT"]["body"]


@pytest.mark.parametrize("form", ["openapi", "function"])
def test_null_session_attributes_and_an_agent_without_alias_still_run_the_handler(
    form: str,
) -> None:
    """Nothing routes on the session attributes or the agent's alias and version: an
    event with them ``null`` or left out is answered, the attributes echoed as ``{}``."""
    app = App()
    seen: list[BedrockAgentEvent] = []

    @app.bedrock_agent(api_path="/claims", http_method="GET")
    def claims(params: dict[str, Any], event: BedrockAgentOpenAPIEvent) -> str:
        seen.append(event)
        return "claims"

    @app.bedrock_agent(function="remind")
    def remind(params: dict[str, Any], event: BedrockAgentFunctionEvent) -> str:
        seen.append(event)
        return "reminded"

    if form == "openapi":
        raw = bedrock_agent_event("/claims", "GET")
    else:
        raw = bedrock_agent_event(function="remind")
    raw["sessionAttributes"] = None
    raw["promptSessionAttributes"] = None
    del raw["agent"]["alias"], raw["agent"]["version"]
    answer = app.handler(raw, FakeContext())
    assert answer["sessionAttributes"] == answer["promptSessionAttributes"] == {}
    assert "FAILURE" not in json.dumps(answer)
    (event,) = seen
    assert event.session_attributes == event.prompt_session_attributes == {}
    assert (event.agent.alias, event.agent.version) == ("", "")


def test_session_attributes_of_the_wrong_shape_still_fail_naming_the_field() -> None:
    app = App()
    app.bedrock_agent(function="remind")(lambda params: "reminded")
    raw = bedrock_agent_event(function="remind")
    raw["sessionAttributes"] = ["not", "a", "map"]
    with pytest.raises(EventDecodeError) as info:
        app.handler(raw, FakeContext())
    assert info.value.path == "$.sessionAttributes"
