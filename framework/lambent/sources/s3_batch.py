"""Amazon S3 Batch Operations, Lambda invoke operation (LAMBDA.md §8.4).

Schema 1.0: ``invocationSchemaVersion``, ``invocationId``, ``job {id}``, ``tasks [{taskId,
s3Key, s3VersionId, s3BucketArn}]``. Schema 2.0 (directory buckets, user arguments):
``job {id, userArguments}`` and tasks naming ``s3Bucket`` (a name, not an ARN); the
version id may be null. Keys are URL-encoded (``+`` for a space): :attr:`S3BatchTask.key`
decodes them. S3 invokes the function once per object (one task per event), but every
task listed gets its result.

The answer: ``{"invocationSchemaVersion", "treatMissingKeysAs", "invocationId",
"results": [{"taskId", "resultCode", "resultString"}]}``, the schema version copied from
the event. ``resultCode`` is ``Succeeded`` when the handler returns (its return value,
as text, is the ``resultString`` in the completion report), ``TemporaryFailure`` when it
raises :class:`TemporaryFailure` (S3 retries the task before the job completes) and
``PermanentFailure`` for any other error, and for a task that does not decode (named by
its ``taskId``); a task still running (or not started) at the function's deadline is a
``TemporaryFailure`` too. ``treatMissingKeysAs`` (how S3 counts tasks missing from the
answer) is a setting of the response: what the handler chose in an
:class:`S3BatchResult`, else the route's ``treat_missing_keys_as``, else
``PermanentFailure`` (AWS's example).

``app.s3_batch()`` takes every job; a handler declares the task (:class:`S3BatchTask`),
the event (:class:`S3BatchEvent`), or both.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Final, Literal
from urllib.parse import unquote_plus

import msgspec

from lambent._errors import ConfigurationError, DeadlineExceeded, HandlerError
from lambent.sources._answer import describe, json_text
from lambent.sources._base import Outcome, SourceSpec, list_where, raw_path, record_list
from lambent.sources._match import Filter

__all__ = [
    "RESULT_CODES",
    "SPECS",
    "S3BatchEvent",
    "S3BatchEventV1",
    "S3BatchEventV2",
    "S3BatchJob",
    "S3BatchResult",
    "S3BatchTask",
    "S3BatchTaskV1",
    "S3BatchTaskV2",
    "TemporaryFailure",
    "detect",
]

ResultCode = Literal["Succeeded", "TemporaryFailure", "PermanentFailure"]
RESULT_CODES: Final[tuple[ResultCode, ...]] = ("Succeeded", "TemporaryFailure", "PermanentFailure")
DEFAULT_MISSING: Final[ResultCode] = "PermanentFailure"

#: the ``taskId`` of a raw task (one that did not decode)
_raw_task_id = raw_path("taskId")


class TemporaryFailure(Exception):
    """Raise it for a task S3 should retry (``resultCode: TemporaryFailure``)."""


class S3BatchResult(msgspec.Struct, frozen=True, gc=False):
    """A handler may return this to choose the result code itself, and, for the whole
    response, ``treatMissingKeysAs`` (``None``: the route's ``treat_missing_keys_as``)."""

    result_code: ResultCode = "Succeeded"
    result_string: str = ""
    treat_missing_keys_as: ResultCode | None = None


class S3BatchJob(msgspec.Struct, rename="camel", frozen=True, gc=False):
    id: str
    #: schema 2.0 only (at most 10)
    user_arguments: dict[str, str] | None = None


class S3BatchTask(msgspec.Struct, rename="camel", frozen=True, gc=False, kw_only=True):
    """One object of the manifest (both schemas)."""

    task_id: str
    s3_key: str
    s3_version_id: str | None = None

    @property
    def key(self) -> str:
        """The object key, URL-decoded."""
        return unquote_plus(self.s3_key)

    @property
    def bucket(self) -> str:
        raise NotImplementedError


class S3BatchTaskV1(S3BatchTask, frozen=True, gc=False, kw_only=True):
    s3_bucket_arn: str = msgspec.field(name="s3BucketArn")

    @property
    def bucket(self) -> str:
        """The bucket name (from the ARN)."""
        return self.s3_bucket_arn.rpartition(":")[2]


class S3BatchTaskV2(S3BatchTask, frozen=True, gc=False, kw_only=True):
    s3_bucket: str

    @property
    def bucket(self) -> str:
        return self.s3_bucket


class S3BatchEvent(msgspec.Struct, rename="camel", frozen=True, gc=False, kw_only=True):
    invocation_schema_version: str
    invocation_id: str
    job: S3BatchJob


class S3BatchEventV1(S3BatchEvent, frozen=True, gc=False, kw_only=True):
    tasks: list[S3BatchTaskV1]


class S3BatchEventV2(S3BatchEvent, frozen=True, gc=False, kw_only=True):
    tasks: list[S3BatchTaskV2]


def detect(event: Mapping[str, Any]) -> bool:
    """``invocationSchemaVersion`` with ``invocationId``, ``job`` and a ``tasks`` list
    (a response, with ``results``, is not an event)."""
    return "invocationId" in event and "job" in event and isinstance(event.get("tasks"), list)


def route_filter(treat_missing_keys_as: str = DEFAULT_MISSING) -> Filter:
    """No filter: every job; ``treat_missing_keys_as`` travels with the route."""
    if treat_missing_keys_as not in RESULT_CODES:
        raise ConfigurationError(
            f"s3-batch route: treat_missing_keys_as must be one of {', '.join(RESULT_CODES)}, "
            f"not {treat_missing_keys_as!r}"
        )
    return Filter((("treat_missing_keys_as", treat_missing_keys_as),))


def _always(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return True


def _text(value: Any) -> str:
    """A result string: ``None`` empty, text as it is, anything else as JSON (a
    :class:`HandlerError` for what cannot be sent: a lone surrogate, NaN)."""
    return "" if value is None else json_text(value, "s3-batch route")


def _chosen(value: S3BatchResult) -> tuple[ResultCode, str]:
    """The code and string an :class:`S3BatchResult` chose, when its codes are codes."""
    for field, code in (
        ("result_code", value.result_code),
        ("treat_missing_keys_as", value.treat_missing_keys_as or DEFAULT_MISSING),
    ):
        if code not in RESULT_CODES:
            why = f"{field} is {code!r}, not one of {', '.join(RESULT_CODES)}"
            return "PermanentFailure", f"the handler returned an S3BatchResult whose {why}"
    return value.result_code, _text(value.result_string)


def _wire_shaped(value: Any) -> str | None:
    """What a mapping in the wire's own shape is (a task's result, a whole response, as
    AWS's examples build them), which would otherwise succeed as its JSON text."""
    if not isinstance(value, Mapping):
        return None
    if "resultCode" in value:
        return "a task result ({'resultCode': ...})"
    if "results" in value and "invocationSchemaVersion" in value:
        return "a whole S3 Batch response"
    return None


def result(value: Any, error: BaseException | None) -> tuple[ResultCode, str]:
    """A task's ``resultCode`` and ``resultString``."""
    if error is None:
        shaped = _wire_shaped(value)
        if shaped is not None:
            return "PermanentFailure", (
                f"the handler returned {shaped}; lambent builds the response: return the "
                "result string, or S3BatchResult(result_code, result_string) to choose the code"
            )
        try:
            if isinstance(value, S3BatchResult):
                return _chosen(value)
            return "Succeeded", _text(value)
        except HandlerError as exc:
            cause = exc.__cause__
            why = describe(cause) if cause is not None else str(exc)
            return "PermanentFailure", f"the handler returned a value that is not text: {why}"
    # a task cut (or never started) at the function's deadline did not fail: S3 redrives it
    retry = isinstance(error, TemporaryFailure | DeadlineExceeded)
    code: ResultCode = "TemporaryFailure" if retry else "PermanentFailure"
    return code, describe(error)


def missing_keys(outcome: Outcome) -> ResultCode:
    """The response's ``treatMissingKeysAs``: what the first task's handler chose (an
    :class:`S3BatchResult` with ``treat_missing_keys_as``), else the route's setting, else
    :data:`DEFAULT_MISSING` (also when no route took the job)."""
    chosen = [v.treat_missing_keys_as for v in outcome.results if isinstance(v, S3BatchResult)]
    routed = next((f for f in outcome.filters if f), {})
    for setting in (*chosen, routed.get("treat_missing_keys_as")):
        for code in RESULT_CODES:
            if setting == code:
                return code
    return DEFAULT_MISSING


def _task_id(outcome: Outcome, index: int) -> str:
    """A task's id, also of a task that did not decode (read from the raw event)."""
    task = outcome.items[index]
    if task is not None:
        return str(task.task_id)
    return _raw_task_id(record_list(outcome.event, "tasks")[index]) or ""


def answer(outcome: Outcome) -> dict[str, Any]:
    event: S3BatchEvent = outcome.decoded
    results = []
    for i, (value, error) in enumerate(zip(outcome.results, outcome.errors, strict=True)):
        code, text = result(value, error)
        results.append({"taskId": _task_id(outcome, i), "resultCode": code, "resultString": text})
    return {
        "invocationSchemaVersion": event.invocation_schema_version,
        "treatMissingKeysAs": missing_keys(outcome),
        "invocationId": event.invocation_id,
        "results": results,
    }


def _key(event: Any, item: S3BatchTask) -> Hashable:
    return None


def _spec(
    schema: str, event_type: type[S3BatchEvent], item_type: type[S3BatchTask]
) -> SourceSpec[Any, Any]:
    is_v1 = schema == "1.0"  # else 2.0 and any later version
    return SourceSpec(
        kind="s3-batch",
        requires="invocationSchemaVersion",
        detect=lambda event: (
            (event.get("invocationSchemaVersion") == "1.0") == is_v1 and detect(event)
        ),
        event_type=event_type,
        item_type=item_type,
        items=lambda event: event.tasks,
        # a task that does not decode fails alone (PermanentFailure, named by its taskId)
        raw_items=lambda event: record_list(event, "tasks"),
        raw_where=list_where("tasks"),
        raw_id=_raw_task_id,
        item_id=lambda task: task.task_id,
        route_key=_key,
        payload=None,
        response="single",
        route_filter=route_filter,
        overlaps=_always,
        answer=answer,
    )


#: schema 1.0, then 2.0 (and any later version, read as 2.0)
SPECS: tuple[SourceSpec[Any, Any], ...] = (
    _spec("1.0", S3BatchEventV1, S3BatchTaskV1),
    _spec("2.0", S3BatchEventV2, S3BatchTaskV2),
)
