"""App decorators that sources contribute (``app.cognito``, ``app.appsync``, ...).

:class:`lambent.App` inherits :class:`SourceRoutes`. Each method is a typed front for
``app.on(kind, filters=...)``: the filters go to the source module's ``route_filter``,
which owns their meaning, so a new source adds its decorator here without touching the
core. This module imports no source module (``import lambent`` stays cheap).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, TypeVar

from lambent._routes import KeyFunction, OnDecodeError, RouteOptions

ResultCode = Literal["Succeeded", "TemporaryFailure", "PermanentFailure"]

F = TypeVar("F", bound=Callable[..., Any])


class _RecordDecorator(Protocol):
    def __call__(
        self, kind: str, filters: Mapping[str, Any], options: RouteOptions
    ) -> Callable[[F], F]: ...


class SourceRoutes:
    """``app.on``, for any registered source kind, and the decorators of sources that
    bring their own (each forwards to ``app.on``); the route is added by
    :class:`~lambent._record_routes.RecordRoutes`."""

    _record_decorator: _RecordDecorator

    def on(
        self,
        kind: str,
        *,
        filters: Mapping[str, Any] | None = None,
        concurrency: int | None = None,
        on_decode_error: OnDecodeError = "fail",
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle events of any registered source ``kind`` (a user's own source added with
        :func:`lambent.sources.register`, or a built-in one), with its ``filters``."""
        opts = RouteOptions(
            concurrency=concurrency, on_decode_error=on_decode_error, threaded=threaded,
            idempotent=idempotent, idempotency_key=idempotency_key,
        )  # fmt: skip
        return self._record_decorator(kind, filters or {}, opts)

    def cognito(
        self,
        trigger: str | None = None,
        *,
        threaded: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle a Cognito user-pool trigger: a trigger name (``"PreSignUp"``, every
        ``PreSignUp_*`` source; ``"PreTokenGeneration"``), one ``triggerSource``
        (``"PreSignUp_SignUp"``) or a glob; ``None``: any. The handler's payload is the
        event's ``request``; what it returns fills ``response`` in the echoed event.
        ``idempotency_key``: run once per key of the payload (see docs/idempotency.md)."""
        return self.on(
            "cognito",
            filters={"trigger": trigger},
            threaded=threaded,
            idempotency_key=idempotency_key,
        )

    def appsync(
        self,
        type_name: str | None = None,
        field_name: str | None = None,
        *,
        concurrency: int | None = None,
        threaded: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Resolve the GraphQL field ``type_name.field_name`` (globs allowed; ``None``: any)
        as an AppSync direct Lambda resolver, single or ``BatchInvoke``. The handler's
        payload is ``arguments``; its return value is the field's value.
        ``idempotency_key``: run once per key of the arguments (see docs/idempotency.md)."""
        return self.on(
            "appsync",
            filters={"type_name": type_name, "field_name": field_name},
            concurrency=concurrency,
            threaded=threaded,
            idempotency_key=idempotency_key,
        )

    def custom_resource(
        self,
        resource_type: str | None = None,
        *,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle CloudFormation custom resources of ``resource_type`` (``"Custom::Bucket"``,
        globs allowed; ``None``: any), for every request type. The handler's payload is
        ``ResourceProperties``; the response is PUT to the pre-signed URL, ``FAILED`` on an
        error or at the deadline. Plain ``def`` handlers always run in a worker thread, so
        that the deadline can still answer while they run. ``idempotent``: each request (its
        ``RequestId``) runs once; a retry PUTs the stored result again (see
        docs/idempotency.md)."""
        return self.on(
            "cloudformation",
            filters={"resource_type": resource_type},
            idempotent=idempotent,
            idempotency_key=idempotency_key,
        )

    def s3_batch(
        self,
        *,
        treat_missing_keys_as: ResultCode = "PermanentFailure",
        concurrency: int | None = None,
        threaded: bool = False,
        idempotent: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle S3 Batch Operations tasks (schema 1.0 and 2.0): return to succeed (the
        value is the result string), raise ``TemporaryFailure`` to have S3 retry the task,
        anything else fails it permanently. ``idempotent``: each task (its ``taskId``)
        runs once and its result string is kept (see docs/idempotency.md)."""
        return self.on(
            "s3-batch",
            filters={"treat_missing_keys_as": treat_missing_keys_as},
            concurrency=concurrency,
            threaded=threaded,
            idempotent=idempotent,
            idempotency_key=idempotency_key,
        )

    def bedrock_agent(
        self,
        *,
        api_path: str | None = None,
        function: str | None = None,
        http_method: str | None = None,
        threaded: bool = False,
        idempotency_key: KeyFunction | None = None,
    ) -> Callable[[F], F]:
        """Handle a Bedrock agent action: the OpenAPI operation ``api_path`` (the path
        template as in the schema; ``http_method`` to tell operations apart) or the
        function ``function``; neither: any. The handler's payload is the parameters and
        request-body properties by name; its return value is the response body.
        ``idempotency_key``: run once per key of the parameters (see docs/idempotency.md)."""
        return self.on(
            "bedrock-agent",
            filters={"api_path": api_path, "function": function, "http_method": http_method},
            threaded=threaded,
            idempotency_key=idempotency_key,
        )
