"""AWS errors at start-up, told as one line that says what to fix."""

from __future__ import annotations

import re

from lambent.poll._options import PollError, Source

_MISSING = frozenset(
    {
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ResourceNotFoundException",
        "ResourceNotFound",
        "NotFound",
    }
)
_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
    }
)


def explain(exc: Exception, source: Source, what: str, permissions: str) -> PollError:
    """A start-up failure of ``source`` as a :class:`PollError`."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - the aws extra is installed with poll
        return PollError(f"{source.label}: {exc}")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", "")).strip()
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code.isdigit():  # an error body botocore could not read (XML for a JSON API)
            found = re.search(r"<Code>(.*?)</Code>", message)
            code = found.group(1) if found else ("AccessDenied" if status == 403 else code)
            found = re.search(r"<Message>(.*?)</Message>", message, re.S)
            message = found.group(1) if found else message
        if code in _MISSING or "NonExistent" in code or "does not exist" in message:
            return PollError(f"{what} {source.label} does not exist in region {source.region}")
        if code in _DENIED:
            return PollError(
                f"not allowed to read {what} {source.label} ({code}: {message}); "
                f"the poller needs {permissions}"
            )
        return PollError(f"{what} {source.label}: {code}: {' '.join(message.split())}")
    if isinstance(exc, BotoCoreError):
        return PollError(f"{what} {source.label}: {exc}")
    return PollError(f"{what} {source.label}: {type(exc).__name__}: {exc}")
