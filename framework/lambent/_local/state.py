"""Async events a stopped local Lambda still owed: written at shutdown, read at the next start.

One JSON Lines file per function, ``<state dir>/<function>.events.jsonl``; each line an
accepted event with its request id, payload, acceptance time and the attempts already
made, so the next start resumes it where it was (its retries and maximum age continue).
A file is removed once its events are queued again.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from pathlib import Path

import msgspec

from lambent._errors import ConfigurationError
from lambent._local.async_queue import QueuedEvent
from lambent._local.model import Invocation


def default_state_dir() -> Path:
    """``$XDG_CACHE_HOME/lambent/serve`` (``~/.cache/lambent/serve``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "lambent" / "serve"


class _Saved(msgspec.Struct, forbid_unknown_fields=False):
    function: str
    invoked_arn: str
    request_id: str
    trace_id: str
    payload: str  # base64 of the exact bytes accepted
    accepted_at: float
    attempts: int = 0
    tenant_id: str | None = None


def _path(state_dir: Path, function: str) -> Path:
    return state_dir / f"{function}.events.jsonl"


def save(state_dir: Path, function: str, items: Iterable[QueuedEvent]) -> int:
    """Append ``items`` to the function's file; returns how many were written."""
    lines = [
        msgspec.json.encode(
            _Saved(
                function=item.invocation.function,
                invoked_arn=item.invocation.invoked_arn,
                request_id=item.invocation.request_id,
                trace_id=item.invocation.trace_id,
                payload=base64.b64encode(item.invocation.payload).decode(),
                accepted_at=item.invocation.accepted_at,
                attempts=item.attempts,
                tenant_id=item.invocation.tenant_id,
            )
        )
        for item in items
    ]
    if not lines:
        return 0
    state_dir.mkdir(parents=True, exist_ok=True)
    with _path(state_dir, function).open("ab") as f:
        f.write(b"\n".join(lines) + b"\n")
        f.flush()
        os.fsync(f.fileno())
    return len(lines)


def load(state_dir: Path, function: str) -> tuple[list[QueuedEvent], Path | None]:
    """The function's saved events and their file (remove it once they are queued)."""
    path = _path(state_dir, function)
    if not path.is_file():
        return [], None
    items = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            saved = msgspec.json.decode(line, type=_Saved)
        except msgspec.DecodeError as exc:
            raise ConfigurationError(
                f"{path}:{number} is not a saved event ({exc}); fix or move the file to start"
            ) from None
        invocation = Invocation(
            function=saved.function,
            payload=base64.b64decode(saved.payload),
            invoked_arn=saved.invoked_arn,
            request_id=saved.request_id,
            trace_id=saved.trace_id,
            tenant_id=saved.tenant_id,
            accepted_at=saved.accepted_at,
        )
        items.append(QueuedEvent(invocation, attempts=saved.attempts))
    return items, path
