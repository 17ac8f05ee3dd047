"""The public API type-checks as users would write it (mypy --strict on tests/typing)."""

from __future__ import annotations

from pathlib import Path

from mypy import api

HERE = Path(__file__).parent


def test_public_api_types() -> None:
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--config-file", str(HERE.parent / "pyproject.toml"),
         str(HERE / "typing" / "public_api.py")]
    )  # fmt: skip
    assert status == 0, out + err
