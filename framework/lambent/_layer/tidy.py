"""Making an installed tree fit to ship: no leftovers, the right machine code, bytecode.

pip leaves things a layer does not want: console scripts in ``bin/`` (Lambda puts
``/opt/bin`` on ``PATH``, but these scripts name the build machine's interpreter), the
build machine's ``__pycache__``, test suites, Cython/C sources, and ``direct_url.json``
with the build machine's paths. :func:`tidy` removes them and rewrites each ``RECORD``
to list only what stays. :func:`check_machine` reads the ELF header of every shared
object, so a wheel for the wrong CPU can never slip into a layer. :func:`compile_tree`
writes bytecode with the *target* interpreter.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

from lambent._layer.target import ELF_MACHINES, LayerError, Target, interpreter_version

#: folder names dropped anywhere below site-packages
DROP_DIRS = frozenset({"__pycache__", "tests"})
#: file suffixes dropped (sources of compiled extensions, build-machine bytecode)
DROP_SUFFIXES = (".pyc", ".pyo", ".pyx", ".pxd", ".c", ".h")
#: dist-info files naming the build machine
DROP_METADATA = frozenset({"direct_url.json"})
#: the e_machine of an ELF file, by value: for messages
MACHINE_NAMES = {value: name for name, value in ELF_MACHINES.items()}


def tidy(site: Path) -> int:
    """Drop leftovers below ``site`` (and pip's ``bin/``); return how many files went."""
    dropped = 0
    scripts = site / "bin"
    if scripts.is_dir():
        dropped += sum(1 for p in scripts.rglob("*") if p.is_file())
        shutil.rmtree(scripts)
    for folder, dirs, files in os.walk(site, topdown=True):
        base = Path(folder)
        for name in [d for d in dirs if d in DROP_DIRS]:
            dropped += sum(1 for p in (base / name).rglob("*") if p.is_file())
            shutil.rmtree(base / name)
            dirs.remove(name)
        for name in files:
            in_metadata = base.name.endswith(".dist-info")
            if (in_metadata and name in DROP_METADATA) or (
                not in_metadata and name.endswith(DROP_SUFFIXES)
            ):
                (base / name).unlink()
                dropped += 1
    for record in site.glob("*.dist-info/RECORD"):
        _rewrite_record(record, site)
    return dropped


def _rewrite_record(record: Path, site: Path) -> None:
    """Keep the rows of files that are still there; RECORD itself has no hash."""
    rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
    own = record.relative_to(site).as_posix()
    kept = [row for row in rows if row and row[0] != own and _inside(site, row[0])]
    kept.append([own, "", ""])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(sorted(kept))
    record.write_text(out.getvalue(), encoding="utf-8")


def _inside(site: Path, name: str) -> bool:
    if name.startswith(("/", "..")) or "/../" in name:
        return False
    return (site / name).is_file()


def elf_machine(path: Path) -> int | None:
    """The ``e_machine`` of an ELF file, ``None`` when ``path`` is not ELF."""
    with path.open("rb") as fh:
        head = fh.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def shared_objects(site: Path) -> list[Path]:
    """Files below ``site`` named like shared objects (``x.so``, ``libx.so.1``)."""
    return sorted(
        p for p in site.rglob("*") if p.is_file() and (p.suffix == ".so" or ".so." in p.name)
    )


def check_machine(site: Path, target: Target) -> int:
    """Fail unless every ELF file below ``site`` is for ``target.arch``; return their count."""
    want = ELF_MACHINES[target.arch]
    wrong: list[str] = []
    count = 0
    for path in shared_objects(site):
        machine = elf_machine(path)
        if machine is None:
            continue
        count += 1
        if machine != want:
            name = MACHINE_NAMES.get(machine, hex(machine))
            wrong.append(f"{path.relative_to(site)} ({name})")
    if wrong:
        raise LayerError(f"shared objects not built for {target.arch}: " + ", ".join(wrong[:10]))
    return count


def compile_tree(site: Path, target: Target, interpreter: str) -> int:
    """Write ``__pycache__/*.cpython-3XY.pyc`` for every module, with ``interpreter``.

    The bytecode is ``unchecked-hash``: Lambda's ``/opt`` is read-only and its files'
    times are whatever the zip said, so Python must use the ``.pyc`` without comparing
    timestamps. Code objects name the files as Lambda sees them (``/opt/python/...``).
    Returns how many ``.pyc`` files were written.
    """
    version = interpreter_version(interpreter)
    if version != target.python:
        raise LayerError(
            f"{interpreter} is Python {version or '(not runnable)'}, but the layer is for "
            f"{target.python}: bytecode must be written by the runtime's own version"
        )
    command = [
        interpreter,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(site),
        "-p",
        f"/opt/{target.site_packages}",
        str(site),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        detail = (done.stdout + done.stderr).strip().splitlines()[-10:]
        raise LayerError("compiling bytecode failed:\n" + "\n".join(detail))
    return sum(1 for _ in site.rglob("*.pyc"))
