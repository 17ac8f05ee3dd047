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
