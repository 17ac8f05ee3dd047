"""``lambent routes`` (lambent._cli.routes): the routing table of an app, and a user's
mistake as one line with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli._voice import MISSING, one_line
from tests.cli._voice import lambent as run_lambent

APP = """
import msgspec
from lambent import App

class Order(msgspec.Struct):
    id: int

app = App()

@app.sqs("orders.fifo", concurrency=5, strict_order=True)
async def on_order(order: Order) -> None: ...

@app.dynamodb("orders", events=["INSERT"])
def on_insert(new: Order) -> None: ...

@app.s3("uploads", prefix="in/")
def on_upload() -> None: ...
"""


def test_routes_prints_the_routing_table(tmp_path: Path) -> None:
    path = tmp_path / "myapp.py"
    path.write_text(APP)
    out = subprocess.run(
        [sys.executable, "-m", "lambent", "routes", f"{path}:app"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[0].split() == ["SOURCE", "FILTER", "HANDLER", "OPTIONS"]
    assert any(
        "sqs" in line and "queue=orders.fifo" in line and "concurrency=5 strict_order" in line
        for line in lines
    )
    assert any(
        "dynamodb-stream" in line and "events=('INSERT',)" in line and "on_insert" in line
        for line in lines
    )
    assert any(line.startswith("s3") and "prefix=in/" in line for line in lines)


def test_routes_mistakes(apps: dict[str, str]) -> None:
    one_line(run_lambent("routes", MISSING), "lambent routes", "no such file", MISSING)
    one_line(run_lambent("routes", apps["import"]), "lambent routes", "no_such_module_abc")
    one_line(run_lambent("routes", apps["config"]), "lambent routes", "id")
