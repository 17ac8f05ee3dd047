"""One lambent App with a route for every supported kind, for comparing runtimes."""

from __future__ import annotations

from typing import Any

from lambent import App
from lambent.http import Policy

app = App()


@app.sqs()
def on_sqs(body: str) -> None:
    if "fail" in body:
        raise ValueError("this record fails")


@app.sns()
def on_sns(message: str) -> None: ...


@app.s3()
def on_s3(notification: Any) -> None: ...


@app.dynamodb()
def on_dynamodb(record: Any) -> None: ...


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
def on_eventbridge(event: Any) -> dict[str, str]:
    return {"source": event.source}


@app.schedule()
def on_schedule(event: Any) -> None: ...


@app.logs()
def on_logs(entry: Any) -> None: ...


@app.ses()
def on_ses(mail: Any) -> None: ...


@app.get("/{path+}")
@app.post("/{path+}")
@app.get("/")
def any_path(request: Any) -> dict[str, str]:
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


handler = app.handler
