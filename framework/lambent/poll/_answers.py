"""What a stream invocation's answer means (LAMBDA.md §4.3, §4.5): which record to
retry from, and whether the invocation failed as a whole (only that is bisected)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambent.poll._runtime import Invocation

Record = dict[str, Any]


def _is_number(text: str) -> bool:
    """A sequence number: ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails)."""
    return text.isascii() and text.isdigit()


def first_failure(
    invocation: Invocation, records: list[Record], seq: Callable[[Record], str], window: bool
) -> int | None:
    """Index of the first record to retry, or ``None`` when the batch succeeded."""
    return verdict(invocation, records, seq, window)[0]


def verdict(
    invocation: Invocation, records: list[Record], seq: Callable[[Record], str], window: bool
) -> tuple[int | None, bool]:
    """:func:`first_failure`, and whether the invocation failed as a whole (it raised, timed
    out, answered an invalid ``batchItemFailures`` or, in a window, no ``state``) rather
    than reporting its failed records: only such a failure is bisected (LAMBDA.md §4.5)."""
    if invocation.error is not None:
        return 0, True
    response = invocation.response
    if window and not (isinstance(response, dict) and isinstance(response.get("state"), dict)):
        return 0, True  # a window invocation must answer its state
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return None, False
    failures = response["batchItemFailures"]
    positions = {int(seq(r)): i for i, r in enumerate(records)}
    lowest: int | None = None
    for entry in failures if isinstance(failures, list) else [None]:
        item = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(item, str) or not _is_number(item) or int(item) not in positions:
            return 0, True  # invalid or unknown: the whole batch fails
        index = positions[int(item)]
        lowest = index if lowest is None else min(lowest, index)
    return lowest, False
