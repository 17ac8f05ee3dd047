"""Writing a layer's folder into a zip that is the same, byte for byte, every time.

Entries are sorted by name and carry a fixed time (1980-01-01, the earliest a zip can
say), fixed Unix permissions (``0644``; nothing in a layer needs to be executable
once ``bin/`` is gone) and a fixed compression level. Nothing of the build machine goes
in: not its clock, its umask, its user or its paths.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lambent._layer.target import LayerError, Limits

#: the timestamp of every entry
EPOCH = (1980, 1, 1, 0, 0, 0)
#: ``-rw-r--r--`` regular file, in the upper half of ``external_attr``
FILE_MODE = 0o100644
#: files written executable (the layer's ``lambent-wrapper``)
EXEC_MODE = 0o100755
COMPRESSION_LEVEL = 9


@dataclass(frozen=True)
class Sizes:
    """How big a layer is: its zip, its files unzipped, and how many files."""

    zipped: int
    unzipped: int
    files: int

    def check(self, limits: Limits) -> None:
        """Raise :class:`LayerError` when a Lambda limit is exceeded."""
        problems = []
        if self.zipped > limits.zipped:
            problems.append(
                f"the zip is {mb(self.zipped)}, over the {mb(limits.zipped)} limit of a "
                "direct upload (upload it through S3, or leave out an extra)"
            )
        if self.unzipped > limits.unzipped:
            problems.append(
                f"it unzips to {mb(self.unzipped)}, over the {mb(limits.unzipped)} a function "
                "and all its layers may take"
            )
        if problems:
            raise LayerError("the layer is too big for Lambda: " + "; ".join(problems))


def mb(size: int) -> str:
    """``12.3 MB`` (MiB, as Lambda counts its limits)."""
    return f"{size / (1024 * 1024):.1f} MB"


def files_below(root: Path) -> list[tuple[str, Path]]:
    """``(name in zip, path)`` for every regular file below ``root``, sorted by name."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                raise LayerError(f"a layer cannot hold symlinks: {path.relative_to(root)}")
            found.append((path.relative_to(root).as_posix(), path))
    found.sort(key=lambda item: item[0])
    return found


def check_links(source: Path, packages: tuple[str, ...] = ("framework",)) -> None:
    """Refuse a symlink in the packaged part of ``source`` whose target leaves ``source``.

    Building a wheel follows links, so such a link would put a file from elsewhere on
    the machine (a key, a password file) into the layer.
    """
    root = source.resolve()
    tops = [source / name for name in packages]
    tops += [p for p in source.iterdir() if p.is_file() or p.is_symlink()]
    for top in tops:
        candidates = [top] if not top.is_dir() or top.is_symlink() else []
        if top.is_dir() and not top.is_symlink():
            for folder, dirs, files in os.walk(top):
                candidates += [Path(folder) / n for n in (*dirs, *files)]
        for path in candidates:
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise LayerError(
                    f"{path.relative_to(source)} is a symlink to {os.readlink(path)}, outside "
                    f"{source}: refusing to package it"
                )


def unzipped_size(root: Path) -> int:
    return sum(path.stat().st_size for _, path in files_below(root))


def write_zip(root: Path, output: Path) -> Sizes:
    """Zip every file below ``root`` (names relative to it) into ``output``."""
    entries = files_below(root)
    unzipped = 0
    with zipfile.ZipFile(output, "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.create_system = 3  # Unix, so external_attr holds permissions
            mode = EXEC_MODE if path.stat().st_mode & 0o100 and "/" not in name else FILE_MODE
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data, compresslevel=COMPRESSION_LEVEL)
    return Sizes(zipped=output.stat().st_size, unzipped=unzipped, files=len(entries))


def read_sizes(path: Path) -> Sizes:
    """The sizes of an existing layer zip."""
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
    return Sizes(
        zipped=path.stat().st_size,
        unzipped=sum(info.file_size for info in infos),
        files=len(infos),
    )
