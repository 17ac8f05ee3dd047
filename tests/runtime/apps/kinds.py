"""One lambent App with a route for every supported kind, for comparing runtimes."""

from __future__ import annotations

from typing import Any

from lambent import App
from lambent.http import Policy, Request
from lambent.sources.cloudwatch_logs import LogEvent
from lambent.sources.dynamodb import DynamoDBRecord
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.s3 import S3Record
from lambent.sources.schedule import ScheduledEvent
from lambent.sources.ses import SESRecord


def build(*, with_s3: bool = True) -> App:
    """The app; ``with_s3=False`` leaves out the S3 route (which also takes S3 notifications
    inside SQS, SNS and EventBridge records)."""
    app = App()

    @app.sqs()
    def on_sqs(body: str) -> None:
        if "fail" in body:
            raise ValueError("this record fails")

    @app.sns()
    def on_sns(message: str) -> None: ...

    if with_s3:

        @app.s3()
        def on_s3(notification: S3Record) -> None: ...

    @app.dynamodb()
    def on_dynamodb(record: DynamoDBRecord) -> None: ...

    @app.kinesis()
    def on_kinesis(data: bytes) -> None: ...

    @app.kafka()
    def on_kafka(value: bytes) -> None: ...

    @app.mq()
    def on_mq(data: bytes) -> None: ...

    @app.firehose()
    def on_firehose(data: bytes) -> bytes:
        return data.upper()

    @app.eventbridge()
    def on_eventbridge(event: EventBridgeEvent) -> dict[str, str]:
        return {"source": event.source}

    @app.schedule()
    def on_schedule(event: ScheduledEvent) -> None: ...

    @app.logs()
    def on_logs(entry: LogEvent) -> None: ...

    @app.ses()
    def on_ses(mail: SESRecord) -> None: ...

    @app.get("/{path+}")
    @app.post("/{path+}")
    @app.get("/")
    def any_path(request: Request) -> dict[str, str]:
        return {"path": request.path, "method": request.method}

    @app.websocket("$default")
    @app.websocket("$connect")
    @app.websocket("$disconnect")
    def on_socket(body: str) -> dict[str, str]:
        return {"echo": body}

    @app.authorizer("TOKEN")
    @app.authorizer("REQUEST")
    def allow(token: str) -> Policy | bool:
        return True

    @app.invoke("greet")
    def greet(payload: dict[str, Any]) -> dict[str, str]:
        return {"hello": str(payload.get("name"))}

    @app.invoke("fail")
    def fail(payload: dict[str, Any]) -> None:
        raise RuntimeError("the handler failed on purpose")

    @app.edge("viewer-request")
    @app.edge("origin-request")
    def on_request(request: Any) -> Any:
        return request

    @app.edge("viewer-response")
    @app.edge("origin-response")
    def on_response(response: Any) -> Any:
        return response

    return app


app = build()
#: no route unwraps another source's records here: record events decode from bytes
records_app = build(with_s3=False)
handler = app.handler
