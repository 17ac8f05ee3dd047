"""Access to the shared corpus of real AWS event payloads (``../shared/events``).

The corpus is not part of the project. Tests that need it use the ``corpus``
fixture (or :func:`rows`): where the corpus is absent they are skipped with the
reason, except under ``CI=true``, where its absence is a failure.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def events_dir() -> Path:
    configured = os.environ.get("LAMBENT_EVENTS")
    if configured:
        return Path(configured)
    return ROOT.parent / "shared" / "events"


@dataclass(frozen=True)
class Row:
    """A corpus event: ``kind`` is its label (MANIFEST.tsv), or its new kind where
    NEW-KINDS.tsv moves it (``manifest_kind`` keeps the MANIFEST label)."""

    path: str
    origin: str
    kind: str
    notes: str
    manifest_kind: str = ""

    @property
    def file(self) -> Path:
        return events_dir() / self.path

    def load(self) -> Any:
        return json.loads(self.file.read_bytes())

    def raw(self) -> bytes:
        return self.file.read_bytes()


def available() -> bool:
    return (events_dir() / "MANIFEST.tsv").is_file()


def require() -> None:
    """Skip (or, under CI=true, fail) when the corpus is absent."""
    if available():
        return
    reason = f"the shared event corpus is absent (looked in {events_dir()}; set LAMBENT_EVENTS)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " and CI=true requires it")
    pytest.skip(reason)


def new_kinds() -> dict[str, tuple[str, str]]:
    """NEW-KINDS.tsv: path -> (new kind, notes) for events whose kind moved (``direct``
    for the near-misses that stay direct)."""
    table = events_dir() / "NEW-KINDS.tsv"
    if not table.is_file():
        return {}
    moved: dict[str, tuple[str, str]] = {}
    for line in table.read_text().splitlines()[1:]:
        if line.strip():
            path, kind, notes = [*line.split("\t"), "", "", ""][:3]
            moved[path] = (kind, notes)
    return moved


def rows(*kinds: str) -> list[Row]:
    """Manifest rows, all or only those of the given kinds (no corpus: empty); a row's kind
    is its NEW-KINDS.tsv kind where that table lists it."""
    if not available():
        return []
    out: list[Row] = []
    moved = new_kinds()
    lines = (events_dir() / "MANIFEST.tsv").read_text().splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        path, origin, label, notes = [*line.split("\t"), "", "", "", ""][:4]
        kind, new_notes = moved.get(path, (label, notes))
        if not kinds or kind in kinds:
            out.append(Row(path, origin, kind, new_notes, label))
    return out


def params(*kinds: str) -> list[Any]:
    """``pytest.mark.parametrize`` values for rows of the given kinds.

    Without the corpus, one placeholder parameter whose test calls :func:`require`
    (so the run says why it skipped, or fails under CI).
    """
    found = rows(*kinds)
    if not found:
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(r, id=r.path) for r in found]


def load(row: Row | None) -> Any:
    """The parsed JSON of a row (skipping or failing when the corpus is absent)."""
    if row is None:
        require()
        raise AssertionError("unreachable")
    return row.load()
