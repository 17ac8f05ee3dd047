"""The context object in-process handlers receive: the Python runtime's ``LambdaContext``.

Same attributes and types as awslambdaric's (LAMBDA.md §3.3), ``memory_limit_in_mb``
included, which the runtime hands over as a string.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
import time
from dataclasses import dataclass, field

from lambent._local.errors import ServiceError, invalid_parameter
from lambent._local.model import CLIENT_CONTEXT_LIMIT
from lambent.runtime._invocation import ClientContext, CognitoIdentity


def _client_context(text: str | None) -> ClientContext | None:
    doc = json.loads(text) if text else None
    return ClientContext(doc) if isinstance(doc, dict) else None


def _identity(text: str | None) -> CognitoIdentity:
    return CognitoIdentity(json.loads(text) if text else None)


@dataclass
class LocalContext:
    """A ``LambdaContext`` for one invocation run in this process."""

    aws_request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    client_context: ClientContext | None = None
    tenant_id: str | None = None

    @classmethod
    def build(
        cls,
        *,
        request_id: str,
        function_name: str,
        version: str,
        invoked_arn: str,
        memory_mb: int,
        log_group: str,
        log_stream: str,
        deadline_ms: int,
        client_context: str | None = None,
        cognito_identity: str | None = None,
        tenant_id: str | None = None,
    ) -> LocalContext:
        return cls(
            aws_request_id=request_id,
            function_name=function_name,
            function_version=version,
            invoked_function_arn=invoked_arn,
            memory_limit_in_mb=str(memory_mb),
            log_group_name=log_group,
            log_stream_name=log_stream,
            deadline_ms=deadline_ms,
            identity=_identity(cognito_identity),
            client_context=_client_context(client_context),
            tenant_id=tenant_id,
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))

    def log(self, msg: str) -> None:
        sys.stdout.write(msg)


_TENANT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=+-@ ")


def check_tenant(tenant: str | None) -> str | None:
    """Check a tenant id (``X-Amz-Tenant-Id``: 1 to 256 of ``[a-zA-Z0-9._:/=+-@ ]``)."""
    if tenant is not None and (not 1 <= len(tenant) <= 256 or not set(tenant) <= _TENANT_CHARS):
        raise invalid_parameter(
            f"Invalid tenant id {tenant!r}: 1 to 256 letters, digits, spaces or ._:/=+-@"
        )
    return tenant


def decode_client_context(header: str | None) -> str | None:
    """Check ``X-Amz-Client-Context`` (base64 of a JSON object) and return the JSON text."""
    if header is None or header == "":
        return None
    if len(header) > CLIENT_CONTEXT_LIMIT:
        raise invalid_parameter(
            f"Client context must be at most {CLIENT_CONTEXT_LIMIT} bytes of base64 text"
        )
    try:
        text = base64.b64decode(header, validate=True).decode()
        doc = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict):  # '[1]' or '"x"' too: the function would see no context
        raise ServiceError(
            400,
            "InvalidRequestContentException",
            "Client context must be a valid Base64-encoded JSON object.",
        ) from None
    return text
