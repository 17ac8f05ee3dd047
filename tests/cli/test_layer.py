"""``lambent layer`` (lambent._cli.layer): a user's mistake is one line on stderr and
exit status 2."""

from __future__ import annotations

from pathlib import Path

from tests.cli._voice import lambent, one_line


def test_layer_mistakes(tmp_path: Path) -> None:
    one_line(lambent("layer", "info", "missing.zip"), "lambent layer info", "missing.zip")
    one_line(
        lambent("layer", "build", "--source", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.zip")),
        "lambent layer build", "nowhere",
    )  # fmt: skip
    one_line(lambent("layer", "build", "--arch", "sparc"), "lambent layer build", "sparc")


def test_layer_info_of_a_file_that_is_no_layer(tmp_path: Path) -> None:
    import zipfile

    text = tmp_path / "event.json"
    text.write_text("{}")
    one_line(lambent("layer", "info", str(text)), "lambent layer info", "is not a zip file")
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("python/lambent-layer.json", "[1]")
    one_line(lambent("layer", "info", str(odd)), "lambent layer info", "not a JSON object")
