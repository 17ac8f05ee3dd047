"""An installed site-packages tree as pip leaves it, for the tidy and archive tests."""

from __future__ import annotations

from pathlib import Path


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
