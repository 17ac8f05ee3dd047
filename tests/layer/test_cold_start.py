"""Bytecode in the layer makes the first import (the cold start's init phase) faster.

Lambda's ``/opt`` is read-only, so without bytecode in the layer every cold start compiles
every module it imports. The test imports the test app from an unzipped layer with and
without ``--compile``, under the target Python with ``-B`` (nothing
may be cached between runs, as on a read-only ``/opt``), alternating the two, and compares
the medians of whole-process wall times.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.layer.conftest import APP_DIR, layer_path, target_python, unzip

pytestmark = pytest.mark.slow
RUNS = 9


def start_time(interpreter: str, opt: Path) -> float:
    path = [str(APP_DIR), *layer_path(opt, "3.12")]
    code = f"import sys; sys.path[:0] = {path!r}; import layer_app"
    began = time.perf_counter()
    subprocess.run([interpreter, "-I", "-B", "-c", code], check=True)  # -B: /opt is read-only
    return time.perf_counter() - began


def test_bytecode_speeds_up_the_cold_import(
    build: Any, tmp_path: Path, record_property: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    interpreter = target_python("3.12")
    plain = unzip(build().output, tmp_path / "plain")
    assert not list(plain.rglob("*.pyc"))
    compiled = unzip(build(compile=True).output, tmp_path / "compiled")
    times: dict[str, list[float]] = {"plain": [], "compiled": []}
    start_time(interpreter, plain), start_time(interpreter, compiled)  # warm the OS cache
    for _ in range(RUNS):
        times["plain"].append(start_time(interpreter, plain))
        times["compiled"].append(start_time(interpreter, compiled))
    plain_ms = statistics.median(times["plain"]) * 1000
    compiled_ms = statistics.median(times["compiled"]) * 1000
    ratio = plain_ms / compiled_ms
    record_property("cold_import_ms", {"plain": plain_ms, "compiled": compiled_ms})
    with capsys.disabled():
        print(
            f"\ncold import of the test app (python3.12, median of {RUNS}): "
            f"{plain_ms:.0f} ms without bytecode, {compiled_ms:.0f} ms with (x{ratio:.2f})"
        )
    assert not list(plain.rglob("*.pyc"))  # -B kept the runs from caching bytecode
    assert ratio > 1.2
