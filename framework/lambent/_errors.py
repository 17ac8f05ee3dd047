"""lambent's exceptions.

Every exception lambent raises on purpose derives from :class:`LambentError`::

    LambentError
    ├── ConfigurationError   a route or an option is wrong; raised when the decorator runs
    │   └── OptionError      an option a method does not take (also a TypeError)
    ├── RoutingError         no route matches an event or a record
    ├── DecodeError          an event, record or payload does not decode into its declared type
    │   └── EventDecodeError the whole event is not a valid event of its source
    ├── BatchFailedError     a batch source without partial responses (Amazon MQ) had failures
    ├── HandlerError         a handler failed in a way that cannot be passed on as it is
    ├── DeadlineExceeded     a handler did not finish (or start) before the deadline
    └── ResponseTooLargeError a response would exceed a Lambda or service limit
"""

from __future__ import annotations

from collections.abc import Sequence


class LambentError(Exception):
    """Base of every exception lambent raises on purpose."""


class ConfigurationError(LambentError):
    """A route, handler signature or option cannot work; raised at registration."""


class OptionError(ConfigurationError, TypeError):
    """A decorator or method got an option it does not take (a typo such as ``threded=``):
    a :class:`ConfigurationError`, and the ``TypeError`` Python raises for a bad call."""


class RoutingError(LambentError):
    """No route matches an event (or one of its records).

    ``source`` is the detected kind, ``keys`` what the router looked at (for
    example ``{"queue": "arn:aws:sqs:...:orders"}``).
    """

    def __init__(self, source: str, keys: dict[str, str], message: str | None = None) -> None:
        self.source = source
        self.keys = dict(keys)
        shown = ", ".join(f"{k}={v!r}" for k, v in self.keys.items()) or "no keys"
        super().__init__(message or f"no route for this {source} event ({shown})")


class DecodeError(LambentError):
    """A record or payload does not decode into its declared type.

    ``record_id`` names the record (message id, sequence number, ...; ``None`` for
    a whole event), ``path`` the JSON path of the bad field (``$.order.qty``).
    """

    def __init__(self, message: str, record_id: str | None = None, path: str = "$") -> None:
        self.record_id = record_id
        self.path = path
        self.reason = message
        where = f"record {record_id!r}" if record_id is not None else "event"
        # what ``Exception.__init__`` would set, without its call (one per bad record)
        self.args = (f"{where}: {message} (at {path})",)


class EventDecodeError(DecodeError):
    """The event as a whole is not a valid event of its detected source."""


class BatchFailedError(LambentError):
    """Some records of a batch without partial responses failed; the whole batch is retried."""

    def __init__(
        self, source: str, failed_ids: Sequence[str], details: Sequence[str] | None = None
    ) -> None:
        self.source = source
        self.failed_ids = list(failed_ids)
        shown = self.failed_ids if details is None else details
        super().__init__(
            f"{len(self.failed_ids)} {source} record(s) failed, the whole batch will be retried: "
            + ("; " if details is not None else ", ").join(shown)
        )


class DeadlineExceeded(LambentError):
    """A handler did not finish (or could not start) before the invocation's deadline
    (Lambda's remaining time, or API Gateway's timeout, minus the app's margin)."""


class HandlerError(LambentError):
    """A single-event handler failed in a way its caller cannot be given as it is: it
    raised a ``BaseException`` that is not an ``Exception`` (``SystemExit``,
    ``KeyboardInterrupt``, ...), or returned a value its source cannot encode; or a
    ``before_batch`` hook raised (the batch fails before any record runs).

    ``handler`` names the handler; the original error is the ``__cause__``.
    """

    def __init__(self, handler: str, message: str) -> None:
        self.handler = handler
        super().__init__(f"{handler}: {message}")


def describe(exc: BaseException) -> str:
    """``Type: message`` for logs and answers. Never raises: an exception whose
    ``__str__`` fails is shown by its type and that fact; text that cannot be written
    as UTF-8 (a lone surrogate from an event) is escaped."""
    name = type(exc).__name__
    try:
        text = str(exc)
    except Exception:
        text = "<str() failed>"
    described = f"{name}: {text}" if text else name
    return described if described.isascii() else printable(described)


def printable(text: str) -> str:
    """``text`` as it can be written anywhere: a lone surrogate, which no UTF-8 output
    accepts, becomes its ``\\udXXX`` escape; everything else is kept."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ResponseTooLargeError(LambentError):
    """A response is larger than the service accepts."""

    def __init__(self, what: str, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"{what} is {size} bytes, over the {limit}-byte limit")
