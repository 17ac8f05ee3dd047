"""The README's table of sources, written from the source registry.

One row per kind, in the registry's detection order (``lambent.sources.KINDS``): the
kind, what its module says it handles (the first line of its docstring), the decorator
its page documents, and the page (``docs/sources/<kind>.md``). ``python -m
lambent._cli.sources_table README.md`` (``make readme-sources``) rewrites the table
between its two markers; ``tests/cli/test_sources_table.py`` fails when they disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from lambent import sources

BEGIN = "<!-- sources table: written by `make readme-sources` from the registry -->"
END = "<!-- end of the sources table -->"
#: what ``direct`` is: no module claims it
_DIRECT = "Direct invocations: any event no source claims"
_HEADER = ("| kind | events | decorator | page |", "|---|---|---|---|")


def summary(kind: str) -> str:
    """What a kind's module handles: the first line of its docstring, without its
    references (``(LAMBDA.md §8.2)``) and what follows a colon."""
    name = next((entry.module for entry in sources.SOURCES if kind in entry.kinds), None)
    if name is None:  # the kind no module claims
        return _DIRECT
    first = (sources.module(name).__doc__ or kind).strip().splitlines()[0]
    first = re.sub(r"\s*\(LAMBDA\.md[^)]*\)", "", first)
    return first.split(": ")[0].rstrip(".,")


def decorator(page: Path) -> str:
    """The decorator a source's page documents (the first line of its first ``text``
    block: ``@app.sqs(queue=None, ...)``)."""
    found = re.search(r"```text\n(@[\w.]+)\(", page.read_text())
    return f"`{found[1]}`" if found else ""


def render(root: Path) -> str:
    """The table (markers included) for the docs under ``root``."""
    rows = [BEGIN, *_HEADER]
    for kind in sources.KINDS:
        page = Path("docs") / "sources" / f"{kind}.md"
        shown = decorator(root / page)
        rows.append(f"| `{kind}` | {summary(kind)} | {shown} | [{page.name}]({page.as_posix()}) |")
    rows.append(END)
    return "\n".join(rows)


def rewrite(readme: Path) -> str:
    """``readme``'s text with the table between the markers written anew."""
    text = readme.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render(readme.parent) + text[end:]


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(rewrite(path))
