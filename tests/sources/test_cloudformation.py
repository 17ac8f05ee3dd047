"""CloudFormation custom resources: detection, Structs, and the one PUT to the pre-signed
URL, checked byte for byte against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import msgspec
import pytest

from lambent import App, ConfigurationError, EventDecodeError, sources
from lambent.sources import cloudformation as cfn
from lambent.sources.cloudformation import (
    CreateRequest,
    CustomResourceRequest,
    CustomResourceResponse,
    DeleteRequest,
    ResponseNotDelivered,
    UpdateRequest,
)
from lambent.testing import FakeContext, cloudformation_event
from tests import corpus
from tests.sources import _support


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    """A pre-signed URL stand-in: records every request; answers ``statuses`` in turn
    (then 200)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append(Received(self.command, self.path, headers, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
            state.arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    query = "X-Amz-Signature=ab%2Bc&X-Amz-Expires=7200"
    state.url = f"http://127.0.0.1:{port}/bucket/7F%7Cstack%7Cres?{query}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _expected(event: dict[str, Any], **fields: Any) -> bytes:
    """The body, built independently: documented key order, compact JSON."""
    body: dict[str, Any] = {"Status": fields.pop("Status")}
    if "Reason" in fields:
        body["Reason"] = fields.pop("Reason")
    body["PhysicalResourceId"] = fields.pop("PhysicalResourceId")
    body["StackId"] = event["StackId"]
    body["RequestId"] = event["RequestId"]
    body["LogicalResourceId"] = event["LogicalResourceId"]
    body.update(fields)
    return json.dumps(body, separators=(",", ":")).encode()


def _check_put(received: Received, server: Server, body: bytes) -> None:
    assert received.method == "PUT"
    url = urllib.parse.urlsplit(server.url)
    assert received.path == f"{url.path}?{url.query}"  # the pre-signed query, untouched
    assert received.headers["content-type"] == ""
    assert received.headers["content-length"] == str(len(body))
    assert received.body == body


class Props(msgspec.Struct):
    bucket_name: str = msgspec.field(name="BucketName")
    size: int = msgspec.field(name="Size", default=1)


FLAVOURS = ["plain def", "async def"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_success_puts_the_exact_body_once(server: Server, flavour: str) -> None:
    app = App()
    seen: list[Any] = []

    def answer(props: Props, request: CustomResourceRequest) -> CustomResourceResponse:
        seen.append((props, type(request)))
        return CustomResourceResponse(
            physical_resource_id=f"bucket-{props.bucket_name}", data={"Arn": "arn:x"}
        )

    if flavour == "async def":

        @app.custom_resource("Custom::Bucket")
        async def create_async(props: Props, request: CustomResourceRequest) -> Any:
            return answer(props, request)

    else:

        @app.custom_resource("Custom::Bucket")
        def create(props: Props, request: CustomResourceRequest) -> CustomResourceResponse:
            return answer(props, request)

    event = cloudformation_event(
        "Create", "Custom::Bucket", {"BucketName": "b1"}, response_url=server.url
    )
    context = FakeContext(log_stream_name="2026/12/01/[$LATEST]abc")
    assert app.handler(event, context) is None
    assert seen == [(Props("b1"), CreateRequest)]
    body = _expected(event, Status="SUCCESS", PhysicalResourceId="bucket-b1", Data={"Arn": "arn:x"})
    assert len(server.received) == 1
    _check_put(server.received[0], server, body)


def test_update_keeps_the_physical_id_and_gets_the_old_properties(server: Server) -> None:
    app = App()

    @app.custom_resource("Custom::*")
    def update(props: Props, old_properties: Props | None) -> dict[str, int]:
        assert old_properties is not None
        return {"Grew": props.size - old_properties.size}

    event = cloudformation_event(
        "Update",
        "Custom::Bucket",
        {"BucketName": "b1", "Size": 5},
        old_properties={"BucketName": "b1", "Size": 2},
        physical_resource_id="bucket-b1",
        response_url=server.url,
    )
    app.handler(event, FakeContext())
    body = _expected(event, Status="SUCCESS", PhysicalResourceId="bucket-b1", Data={"Grew": 3})
    assert [r.body for r in server.received] == [body]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_handler_error_puts_failed_with_the_reason(server: Server, flavour: str) -> None:
    app = App()

    if flavour == "async def":

        @app.custom_resource()
        async def delete_async(request: CustomResourceRequest) -> None:
            assert isinstance(request, DeleteRequest)
            raise RuntimeError("bucket not empty")

    else:

        @app.custom_resource()
        def delete(request: CustomResourceRequest) -> None:
            assert isinstance(request, DeleteRequest)
            raise RuntimeError("bucket not empty")

    event = cloudformation_event(
        "Delete", "Custom::Bucket", {}, physical_resource_id="bucket-b1", response_url=server.url
    )
    context = FakeContext(log_stream_name="stream-1")
    assert app.handler(event, context) is None  # answered: Lambda must not retry
    reason = "RuntimeError: bucket not empty (CloudWatch log stream stream-1)"
    body = _expected(event, Status="FAILED", Reason=reason, PhysicalResourceId="bucket-b1")
    assert len(server.received) == 1
    _check_put(server.received[0], server, body)


@pytest.mark.parametrize(
    "flavour", [*FLAVOURS, "plain def, app.on(threaded=False)", "async def that returns late"]
)
def test_a_handler_still_running_at_the_deadline_gets_failed_before_it_and_only_that(
    server: Server, flavour: str
) -> None:
    """FAILED is PUT before the deadline; the handler ending afterwards sends nothing."""
    app = App(deadline_margin=0.2)
    release = threading.Event()
    finished = threading.Event()
    threads: list[threading.Thread] = []

    if flavour == "async def":

        @app.custom_resource("Custom::Slow")
        async def create_async(props: dict[str, Any]) -> None:
            await anyio.sleep(10)
            finished.set()

    elif flavour == "async def that returns late":

        @app.custom_resource("Custom::Slow")
        async def create_late(props: dict[str, Any]) -> dict[str, str]:
            try:
                await anyio.sleep(10)
            finally:
                finished.set()
            return {"Late": "yes"}

    else:

        def create(props: dict[str, Any]) -> dict[str, str]:
            threads.append(threading.current_thread())
            release.wait(10)
            finished.set()
            return {"Late": "yes"}

        if flavour == "plain def":
            app.custom_resource("Custom::Slow")(create)
        else:  # the route asks for inline running: the source runs it in a thread anyway
            route = app.on(
                "cloudformation", filters={"resource_type": "Custom::Slow"}, threaded=False
            )
            route(create)

    event = cloudformation_event("Create", "Custom::Slow", {}, response_url=server.url)
    timeout = cfn.RESERVE + 0.2 + 0.4  # the handler gets 0.4 s
    context = FakeContext(timeout=timeout, log_stream_name="s")
    started = time.monotonic()
    try:
        assert app.handler(event, context) is None
        took = time.monotonic() - started
        assert len(server.received) == 1  # sent while the handler was still running
    finally:
        release.set()
    assert took < timeout - 1.0  # answered well before Lambda's own deadline
    if threads:  # the plain handler ran in a worker thread, and now ends on its own
        assert threads[0] is not threading.main_thread()
        assert finished.wait(5)
        threads[0].join(5)
    else:  # the async handler was cancelled at the deadline
        assert finished.is_set() == (flavour == "async def that returns late")
    time.sleep(0.2)  # anything sent after the handler ended would have arrived by now
    body = _expected(
        event,
        Status="FAILED",
        Reason="DeadlineExceeded: cancelled at the deadline (CloudWatch log stream s)",
        PhysicalResourceId="s",
    )
    assert len(server.received) == 1
    _check_put(server.received[0], server, body)


def test_no_route_still_answers_failed(server: Server) -> None:
    app = App()

    @app.custom_resource("Custom::Other")
    def other(props: dict[str, Any]) -> None:
        raise AssertionError("not this one")

    event = cloudformation_event("Create", "Custom::Bucket", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    (received,) = server.received
    sent = json.loads(received.body)
    assert sent["Status"] == "FAILED"
    assert sent["Reason"].startswith("RoutingError: ")


def test_transient_errors_are_retried_and_a_lost_answer_fails_the_invocation(
    server: Server,
) -> None:
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> None:
        return None

    server.statuses = [503, 500]
    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    assert len(server.received) == 3
    assert len({r.body for r in server.received}) == 1
    server.received.clear()
    server.statuses = [403]
    with pytest.raises(ResponseNotDelivered, match="HTTP 403"):
        _app_with_route().handler(event, FakeContext(log_stream_name="s"))
    assert len(server.received) == 1  # a 4xx is final


def _app_with_route() -> App:
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> None:
        return None

    return app


@pytest.mark.parametrize("row", _support.owned_rows("cloudformation"))
def test_corpus_events_are_detected_and_routed(row: corpus.Row | None, server: Server) -> None:
    raw = corpus.load(row)
    assert sources.detect(raw) == "cloudformation"
    raw = {**raw, "ResponseURL": server.url}  # never call the corpus's URL
    app = App()
    got: list[Any] = []

    @app.custom_resource(raw["ResourceType"])
    def handle(props: dict[str, Any], request: CustomResourceRequest) -> None:
        got.append(request)

    app.handler(raw, FakeContext(log_stream_name="s"))
    (request,) = got
    want: dict[str, type[CustomResourceRequest]] = {
        "Create": CreateRequest,
        "Update": UpdateRequest,
        "Delete": DeleteRequest,
    }
    assert type(request) is want[raw["RequestType"]]
    sent = json.loads(server.received[0].body)
    assert sent["Status"] == "SUCCESS"
    assert sent["PhysicalResourceId"] == raw.get("PhysicalResourceId", "s")


@pytest.mark.parametrize("row", _support.decline_rows("cloudformation"))
def test_detector_declines_other_events(row: corpus.Row | None) -> None:
    for spec in cfn.SPECS:
        _support.assert_declines(spec.detect, row)


def test_a_provider_framework_event_without_a_response_url_stays_direct() -> None:
    event = cloudformation_event("Create", "Custom::A", {}, response_url="http://x/")
    del event["ResponseURL"]
    assert sources.detect(event) == "direct"


def test_unknown_filter_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="unexpected keyword argument 'stack'"):
        App().on("cloudformation", filters={"stack": "x"})


def test_plain_handlers_run_in_a_worker_thread_whatever_the_route_says(server: Server) -> None:
    app = App()

    @app.on("cloudformation", filters={"resource_type": "Custom::Plain"}, threaded=False)
    def plain(props: dict[str, Any]) -> dict[str, str]:
        worker = threading.current_thread() is not threading.main_thread()
        return {"Mode": "worker thread" if worker else "inline"}

    event = cloudformation_event("Create", "Custom::Plain", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    sent = json.loads(server.received[0].body)
    assert (sent["Status"], sent["Data"]) == ("SUCCESS", {"Mode": "worker thread"})


def test_data_that_cannot_be_sent_puts_failed(server: Server) -> None:
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> dict[str, Any]:
        return {"Text": "\ud800", "Obj": object()}

    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    sent = json.loads(server.received[0].body)
    assert sent["Status"] == "FAILED"
    assert sent["Reason"].startswith("the handler's response cannot be sent: ")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"PhysicalResourceId": None}, "missing required field `PhysicalResourceId`"),
        ({"ResourceProperties": "not an object"}, "(at $.ResourceProperties)"),
        ({"OldResourceProperties": ["a"]}, "(at $.OldResourceProperties)"),
        ({"ResourceType": 7}, "(at $.ResourceType)"),
    ],
)
def test_a_request_that_does_not_decode_is_still_answered_failed(
    server: Server, change: dict[str, Any], problem: str
) -> None:
    """Without an answer the stack waits an hour: a request with a field missing or of
    the wrong type gets the FAILED PUT naming the field, and the handler does not run."""
    app = App()
    ran: list[Any] = []

    @app.custom_resource()
    def update(props: dict[str, Any]) -> None:
        ran.append(props)

    event = cloudformation_event(
        "Update", "Custom::A", {"Size": "1"}, physical_resource_id="res-1", response_url=server.url
    )
    for key, value in change.items():
        if value is None:
            del event[key]
        else:
            event[key] = value
    assert app.handler(event, FakeContext(log_stream_name="s")) is None
    assert ran == []
    (received,) = server.received
    sent = json.loads(received.body)
    assert sent["Status"] == "FAILED"
    assert problem in sent["Reason"]
    assert sent["Reason"].startswith("DecodeError: ")
    expected_id = event.get("PhysicalResourceId", "s")
    assert (sent["RequestId"], sent["PhysicalResourceId"]) == (event["RequestId"], expected_id)
    assert (sent["StackId"], sent["LogicalResourceId"]) == (event["StackId"], "MyResource")


def test_a_request_that_cannot_be_answered_fails_the_invocation(server: Server) -> None:
    app = App()
    app.custom_resource()(lambda props: None)
    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    event["StackId"] = 7  # no response could copy it
    with pytest.raises(EventDecodeError, match=r"StackId"):
        app.handler(event, FakeContext())
    assert server.received == []


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (CustomResourceResponse(physical_resource_id=7), "physical_resource_id is int"),  # type: ignore[arg-type]
        (CustomResourceResponse(data=[1, 2]), "data is list"),  # type: ignore[arg-type]
        (CustomResourceResponse(no_echo="yes"), "no_echo is str"),  # type: ignore[arg-type]
        (CustomResourceResponse(reason=b"x"), "reason is bytes"),  # type: ignore[arg-type]
        (CustomResourceResponse(data={"Ratio": float("nan")}), "Out of range float"),
    ],
)
def test_a_response_with_a_wrong_field_puts_failed_naming_it(
    server: Server, response: CustomResourceResponse, problem: str
) -> None:
    """A Struct's constructor checks nothing: a wrong field used to raise inside the
    answer, and no PUT was sent at all (or NaN went out as null)."""
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> CustomResourceResponse:
        return response

    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    assert app.handler(event, FakeContext(log_stream_name="s")) is None
    (received,) = server.received
    sent = json.loads(received.body)
    assert (sent["Status"], sent["PhysicalResourceId"]) == ("FAILED", "s")
    assert problem in sent["Reason"]


@pytest.mark.parametrize(
    ("resource_type", "hint"),
    [
        ("MyBucket", "'Custom::MyBucket'"),
        ("Custom:Bucket", "'Custom::Bucket'"),
        ("Custom::", "'Custom::Name'"),
        ("Custom::" + "X" * 53, "longer than the 60 characters"),
    ],
)
def test_a_resource_type_no_template_can_have_is_refused(resource_type: str, hint: str) -> None:
    with pytest.raises(ConfigurationError, match="no request would match it") as raised:
        App().custom_resource(resource_type)
    assert hint in str(raised.value)


@pytest.mark.parametrize(
    ("resource_type", "takes", "leaves"),
    [
        ("Custom::Bucket", "Custom::Bucket", "Custom::Buckets"),
        ("AWS::CloudFormation::CustomResource", "AWS::CloudFormation::CustomResource",
         "Custom::CustomResource"),
        ("Custom::*", "Custom::Bucket", "AWS::CloudFormation::CustomResource"),
        ("*", "AWS::CloudFormation::CustomResource", None),
        ("Custom::" + "X" * 52, "Custom::" + "X" * 52, "Custom::" + "X" * 51),
    ],
)  # fmt: skip
def test_custom_resource_types_and_globs_are_accepted_and_take_their_requests(
    server: Server, resource_type: str, takes: str, leaves: str | None
) -> None:
    app = App()
    got: list[str] = []

    @app.custom_resource(resource_type)
    def create(props: dict[str, Any], request: CustomResourceRequest) -> None:
        got.append(request.resource_type)

    for sent in (takes, leaves):
        if sent is not None:
            event = cloudformation_event("Create", sent, {}, response_url=server.url)
            app.handler(event, FakeContext(log_stream_name="s"))
    assert got == [takes]
    statuses = [json.loads(r.body)["Status"] for r in server.received]
    assert statuses == (["SUCCESS"] if leaves is None else ["SUCCESS", "FAILED"])


def test_a_resource_type_after_a_glob_that_takes_it_is_refused() -> None:
    app = App()
    app.custom_resource("Custom::*")(lambda props: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.custom_resource("Custom::Bucket")(lambda props: None)
    other = App()
    other.custom_resource("Custom::Bucket")(lambda props: None)
    other.custom_resource("Custom::*")(lambda props: None)  # tried after the specific one


@pytest.mark.parametrize(
    ("annotation", "missing"),
    [
        (UpdateRequest, "CreateRequest, DeleteRequest"),
        (UpdateRequest | DeleteRequest, "CreateRequest"),
        (UpdateRequest | None, "CreateRequest, DeleteRequest"),
    ],
)
def test_a_request_parameter_that_misses_a_request_type_is_refused(
    annotation: Any, missing: str
) -> None:
    """A route gets its resource's Create, Update and Delete: ``request: UpdateRequest``
    failed the Create (no ``physical_resource_id``) with an AttributeError."""

    def handler(props: dict[str, Any], request: Any) -> None: ...

    handler.__annotations__ = {"props": dict[str, Any], "request": annotation, "return": None}
    with pytest.raises(ConfigurationError, match=f"does not take {missing}, which this route"):
        App().custom_resource("Custom::Bucket")(handler)


@pytest.mark.parametrize(
    "annotation", [CustomResourceRequest, CreateRequest | UpdateRequest | DeleteRequest]
)
def test_a_request_parameter_taking_every_type_registers_and_gets_each(
    server: Server, annotation: Any
) -> None:
    got: list[str] = []

    def handler(props: dict[str, Any], request: Any) -> None:
        got.append(type(request).__name__)

    handler.__annotations__ = {"props": dict[str, Any], "request": annotation, "return": None}
    app = App()
    app.custom_resource("Custom::Bucket")(handler)
    for kind in ("Create", "Update", "Delete"):
        at = None if kind == "Create" else "bucket-1"
        event = cloudformation_event(
            kind, "Custom::Bucket", {}, physical_resource_id=at, response_url=server.url
        )
        app.handler(event, FakeContext(log_stream_name="s"))
    assert got == ["CreateRequest", "UpdateRequest", "DeleteRequest"]


@pytest.mark.parametrize(
    "returned",
    [
        {"Status": "SUCCESS", "PhysicalResourceId": "bucket-b1", "Data": {"Arn": "a"}},
        {"PhysicalResourceId": "bucket-b1"},
        {"Status": "FAILED", "Reason": "no"},
    ],
)
def test_a_response_object_returned_puts_failed_saying_what_to_return(
    server: Server, returned: dict[str, Any]
) -> None:
    """cfn-response style code returns the response object: taken as the Data, its
    PhysicalResourceId was lost (the log stream's went out; an Update then replaces)."""
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> dict[str, Any]:
        return returned

    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    sent = json.loads(server.received[0].body)
    assert (sent["Status"], "Data" in sent) == ("FAILED", False)
    assert "returned a response object" in sent["Reason"]
    assert "CustomResourceResponse(physical_resource_id=" in sent["Reason"]


def test_data_with_a_status_of_its_own_is_still_data(server: Server) -> None:
    app = App()

    @app.custom_resource()
    def create(props: dict[str, Any]) -> dict[str, Any]:
        return {"Status": "ready"}

    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    app.handler(event, FakeContext(log_stream_name="s"))
    sent = json.loads(server.received[0].body)
    assert (sent["Status"], sent["Data"]) == ("SUCCESS", {"Status": "ready"})


@pytest.mark.parametrize("request_type", ["create", "Replace", 7])
def test_a_request_type_cloudformation_does_not_send_is_answered_failed(
    server: Server, request_type: object
) -> None:
    """A hand-made event with "create" was taken for a direct invocation: "no route for
    this direct event", and no answer."""
    app = App()
    ran: list[Any] = []

    @app.custom_resource()
    def create(props: dict[str, Any]) -> None:
        ran.append(props)

    event = cloudformation_event("Create", "Custom::A", {}, response_url=server.url)
    event["RequestType"] = request_type
    assert sources.detect(event) == "cloudformation"
    assert app.handler(event, FakeContext(log_stream_name="s")) is None
    assert ran == []
    sent = json.loads(server.received[0].body)
    assert sent["Status"] == "FAILED"
    assert "(at $.RequestType)" in sent["Reason"]
