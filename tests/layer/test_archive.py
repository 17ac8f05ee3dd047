"""Zipping a layer reproducibly and checking its sizes (lambent._layer.archive)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from lambent._layer import LayerError, Limits
from lambent._layer.archive import Sizes, read_sizes, write_zip
from tests.layer._site import make_site


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
