"""Tidying an installed tree, checking its ELF files and zipping it reproducibly."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from lambent._layer import LayerError, Limits, Target
from lambent._layer.archive import Sizes, read_sizes, write_zip
from lambent._layer.tidy import check_machine, elf_machine, tidy


def elf(machine: int) -> bytes:
    """The first 20 bytes of a little-endian 64-bit ELF file for ``machine``."""
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 11 + machine.to_bytes(2, "little")


def make_site(root: Path) -> Path:
    site = root / "site"
    files = {
        "pkg/__init__.py": b"x = 1\n",
        "pkg/__pycache__/__init__.cpython-311.pyc": b"host bytecode",
        "pkg/tests/test_pkg.py": b"def test(): pass\n",
        "pkg/_speedups.c": b"/* C */",
        "pkg/_speedups.pyx": b"# cython",
        "pkg/_speedups.cpython-312-x86_64-linux-gnu.so": elf(0x3E) + b"rest",
        "bin/pkg-cli": b"#!/home/builder/.venv/bin/python\n",
        "pkg-1.0.dist-info/METADATA": b"Name: pkg\n",
        "pkg-1.0.dist-info/direct_url.json": b'{"url": "file:///home/builder/pkg"}',
    }
    for name, data in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    record = "\n".join(
        [
            "pkg/__init__.py,sha256=abc,6",
            "pkg/tests/test_pkg.py,sha256=def,18",
            "pkg/_speedups.c,sha256=ghi,7",
            "../../bin/pkg-cli,sha256=jkl,30",
            "pkg-1.0.dist-info/direct_url.json,sha256=mno,35",
            "pkg-1.0.dist-info/RECORD,,",
        ]
    )
    (site / "pkg-1.0.dist-info/RECORD").write_text(record + "\n")
    return site


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


def test_zip_is_the_same_whatever_the_times_and_modes(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    first = write_zip(site, tmp_path / "1.zip")
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path, (1_700_000_000, 1_700_000_000))
            path.chmod(0o600)
    second = write_zip(site, tmp_path / "2.zip")
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()
    assert first == second == read_sizes(tmp_path / "1.zip")
    with zipfile.ZipFile(tmp_path / "1.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), 0o100644)
    }


def test_symlinks_are_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    (site / "pkg/link.py").symlink_to(site / "pkg/__init__.py")
    with pytest.raises(LayerError, match="symlinks"):
        write_zip(site, tmp_path / "x.zip")


def test_size_limits_name_the_limit_and_the_way_out() -> None:
    Sizes(zipped=50 * 2**20, unzipped=250 * 2**20, files=1).check(Limits())
    with pytest.raises(LayerError, match=r"zip is 50\.0 MB, over the 50\.0 MB.*through S3"):
        Sizes(zipped=50 * 2**20 + 1, unzipped=1, files=1).check(Limits())
    with pytest.raises(LayerError, match=r"unzips to 251\.0 MB, over the 250\.0 MB"):
        Sizes(zipped=1, unzipped=251 * 2**20, files=1).check(Limits())
