"""Tidying an installed tree and checking its ELF files (lambent._layer.tidy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambent._layer import LayerError, Target
from lambent._layer.tidy import check_machine, elf_machine, tidy
from tests.layer._site import elf, make_site


def test_tidy_drops_leftovers_and_rewrites_record(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert tidy(site) == 6
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert left == [
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/RECORD",
        "pkg/__init__.py",
        "pkg/_speedups.cpython-312-x86_64-linux-gnu.so",
    ]
    record = (site / "pkg-1.0.dist-info/RECORD").read_text()
    assert record == "pkg-1.0.dist-info/RECORD,,\npkg/__init__.py,sha256=abc,6\n"


def test_elf_machine_reads_the_header(tmp_path: Path) -> None:
    (tmp_path / "a.so").write_bytes(elf(0xB7))
    (tmp_path / "b.so").write_bytes(b"not elf at all, but long enough")
    assert elf_machine(tmp_path / "a.so") == 0xB7
    assert elf_machine(tmp_path / "b.so") is None


def test_check_machine_refuses_the_wrong_cpu(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert check_machine(site, Target(arch="x86_64")) == 1
    with pytest.raises(LayerError, match=r"not built for arm64: pkg/_speedups.*\(x86_64\)"):
        check_machine(site, Target(arch="arm64"))
