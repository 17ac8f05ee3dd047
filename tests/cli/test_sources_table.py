"""The README's table of sources agrees with the source registry (``make readme-sources``)."""

from __future__ import annotations

from pathlib import Path

from lambent import sources
from lambent._cli.sources_table import BEGIN, END, render

ROOT = Path(__file__).resolve().parents[2]


def _table() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def test_the_readme_table_is_written_from_the_registry() -> None:
    assert _table() == render(ROOT), (
        "README.md's sources table is out of date: run `make readme-sources`"
    )


def test_every_kind_has_one_row_in_detection_order_with_its_page() -> None:
    rows = [line for line in _table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(sources.KINDS)
    for row in rows:
        page = row.rsplit("](", 1)[1].removesuffix(") |")
        assert (ROOT / page).is_file(), page
        assert "| `@app." in row  # the page documents a decorator
