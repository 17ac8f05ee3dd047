"""AWS from lambent handlers, on aiobotocore (the ``aws`` extra).

Warm clients, made once per container and injected by annotation::

    from typing import Annotated, Any
    import lambent.aws

    @app.sqs("orders")
    async def on_order(order: Order, table: lambent.aws.DynamoDB) -> None:
        await table.put_item(TableName="orders", Item=...)

``lambent.aws.S3``, ``SQS``, ... are ``Annotated[Any, Client(service)]``; write
``Annotated[MyTypedClient, Client("s3", region="eu-west-1")]`` for a typed client or
other settings. Outside handlers, ``await lambent.aws.client("s3")`` returns the same
warm client. Region, endpoint and credentials come from the usual AWS environment
and config files; :func:`configure` (or the arguments) override them, e.g.
``endpoint_url`` for moto or LocalStack. ``App(lifespan=lambent.aws.lifespan)`` closes
the clients at shutdown (otherwise they are closed at interpreter exit).

``await lambent.aws.invoke(function, payload, type=...)`` calls a function (also one
served by ``lambent serve``) and raises :class:`FunctionError` when it failed.

Importing this module does not import aiobotocore; the first client does.
"""

from __future__ import annotations

from typing import Annotated, Any

from lambent.aws._clients import Client as Client
from lambent.aws._clients import client as client
from lambent.aws._clients import clients as clients
from lambent.aws._clients import close as close
from lambent.aws._clients import configure as configure
from lambent.aws._clients import lifespan as lifespan
from lambent.aws._invoke import FunctionError as FunctionError
from lambent.aws._invoke import InvocationType as InvocationType
from lambent.aws._invoke import invoke as invoke
from lambent.aws._s3 import stream_body as stream_body
from lambent.aws._s3 import stream_object as stream_object

S3 = Annotated[Any, Client("s3")]
SQS = Annotated[Any, Client("sqs")]
SNS = Annotated[Any, Client("sns")]
DynamoDB = Annotated[Any, Client("dynamodb")]
Kinesis = Annotated[Any, Client("kinesis")]
Lambda = Annotated[Any, Client("lambda")]
EventBridge = Annotated[Any, Client("events")]
StepFunctions = Annotated[Any, Client("stepfunctions")]
SecretsManager = Annotated[Any, Client("secretsmanager")]
SSM = Annotated[Any, Client("ssm")]

__all__ = [
    "S3",
    "SNS",
    "SQS",
    "SSM",
    "Client",
    "DynamoDB",
    "EventBridge",
    "FunctionError",
    "InvocationType",
    "Kinesis",
    "Lambda",
    "SecretsManager",
    "StepFunctions",
    "client",
    "clients",
    "close",
    "configure",
    "invoke",
    "lifespan",
    "stream_body",
    "stream_object",
]
