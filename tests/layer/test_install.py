"""What the layer's install step knows of a wheel (lambent._layer.install): its tags,
expanded, and whether it is pure Python."""

from __future__ import annotations

import pytest

from lambent._layer import LayerError
from lambent._layer.install import Wheel, wheel_tags


def test_wheel_tags_are_expanded() -> None:
    assert wheel_tags("six-1.17.0-py2.py3-none-any.whl") == ("py2-none-any", "py3-none-any")
    tags = wheel_tags("msgspec-0.22.0-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.whl")
    assert tags == (
        "cp312-cp312-manylinux2014_aarch64",
        "cp312-cp312-manylinux_2_17_aarch64",
    )
    assert wheel_tags("x-1-2-py3-none-any.whl") == ("py3-none-any",)  # a build tag
    with pytest.raises(LayerError):
        wheel_tags("nonsense.whl")


def test_wheel_json_and_purity() -> None:
    pure = Wheel("six", "1.17.0", "six.whl", ("py3-none-any",), sha256="ab")
    assert pure.pure and pure.as_json()["sha256"] == "ab"
    assert not Wheel("m", "1", "m.whl", ("cp312-cp312-manylinux2014_x86_64",)).pure
    assert "sha256" not in Wheel("m", "1", "m.whl", ()).as_json()
