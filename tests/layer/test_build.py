"""Built layers: reproducible bytes, the right machine code, nothing of the build machine."""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lambent.__main__ import main
from lambent._layer import BuildOptions, LayerError, Limits, Target, build_layer
from lambent._layer.build import MANIFEST, read_manifest
from lambent._layer.tidy import elf_machine
from tests.layer.conftest import PIP_CACHE, REPO, layer_path, target_python, unzip

pytestmark = pytest.mark.slow

#: ELF e_machine of each Lambda architecture
MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}


def names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def test_building_twice_gives_identical_bytes(build: Any) -> None:
    first, second = build(copy=0), build(copy=1)
    assert first.output != second.output
    assert first.output.read_bytes() == second.output.read_bytes()


def test_bytecode_builds_are_reproducible_too(build: Any) -> None:
    first, second = build(compile=True, copy=0), build(compile=True, copy=1)
    assert first.output.read_bytes() == second.output.read_bytes()


def test_zip_entries_are_sorted_with_fixed_times_and_modes(build: Any) -> None:
    with zipfile.ZipFile(build().output) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: i.external_attr >> 16 for i in infos}
    assert modes.pop("lambent-wrapper") == 0o100755  # AWS_LAMBDA_EXEC_WRAPPER runs it
    assert set(modes.values()) == {0o100644}


def test_layout_and_no_leftovers(build: Any) -> None:
    result = build(extras=("aws",))
    entries = names(result.output)
    site = "python/lib/python3.12/site-packages/"
    assert MANIFEST in entries
    assert all(e.startswith(site) or e in (MANIFEST, "lambent-wrapper") for e in entries)
    assert f"{site}lambent/__init__.py" in entries
    assert f"{site}aiobotocore/__init__.py" in entries
    parts = [set(e.split("/")) for e in entries]
    assert not any("__pycache__" in p or "tests" in p for p in parts)
    assert not any(e.startswith(f"{site}bin/") for e in entries)
    assert not any(e.endswith(("direct_url.json", ".pyc", ".pyx", ".c")) for e in entries)


def test_nothing_names_the_build_machine(build: Any, source: Path) -> None:
    here = [REPO, source, Path(tempfile.gettempdir()) / "lambent-", Path.home() / ".pyenv"]
    markers = [str(path).encode() for path in here]
    for result in (build(), build(compile=True)):
        with zipfile.ZipFile(result.output) as archive:
            for info in archive.infolist():
                data = archive.read(info)
                for marker in markers:
                    assert marker not in data, (info.filename, marker)


def test_manifest_records_runtime_arch_and_wheel_tags(build: Any) -> None:
    result = build(python="3.13")
    doc = read_manifest(result.output)
    assert doc == result.manifest
    assert doc["CompatibleRuntimes"] == ["python3.13"]
    assert doc["CompatibleArchitectures"] == ["x86_64"]
    assert doc["bytecode"] is None
    wheels = {w["name"]: w for w in doc["wheels"]}
    assert set(wheels) >= {"lambent", "anyio", "msgspec", "structlog"}
    assert "aiobotocore" not in wheels
    assert all(tag.startswith("cp313-cp313-manylinux") for tag in wheels["msgspec"]["tags"])
    assert wheels["lambent"]["tags"] == ["py3-none-any"]


def test_arm64_layer_holds_only_arm64_or_pure_wheels(build: Any, tmp_path: Path) -> None:
    result = build(arch="arm64", extras=("aws",))
    doc = read_manifest(result.output)
    assert doc["CompatibleArchitectures"] == ["arm64"]
    compiled = []
    for wheel in doc["wheels"]:
        for tag in wheel["tags"]:
            platform = tag.rsplit("-", 1)[1]
            assert platform == "any" or platform.endswith("_aarch64"), wheel["filename"]
            if platform != "any":
                compiled.append(wheel["name"])
    assert {"msgspec", "aiohttp"} <= set(compiled)  # the check saw compiled wheels
    opt = unzip(result.output, tmp_path / "opt")
    objects = [p for p in opt.rglob("*") if p.is_file() and ".so" in p.name]
    machines = {elf_machine(p) for p in objects}
    assert objects and machines == {MACHINE["arm64"]}


def test_x86_64_layer_holds_x86_64_shared_objects(build: Any, tmp_path: Path) -> None:
    opt = unzip(build(extras=("aws",)).output, tmp_path / "opt")
    machines = {elf_machine(p) for p in opt.rglob("*.so")}
    assert machines == {MACHINE["x86_64"]}


def test_python_3_11_takes_only_manylinux2014(build: Any) -> None:
    doc = build(python="3.11").manifest
    assert doc["platforms"] == ["manylinux2014_x86_64"]
    msgspec = next(w for w in doc["wheels"] if w["name"] == "msgspec")
    assert any(
        t.endswith(("manylinux2014_x86_64", "manylinux_2_17_x86_64")) for t in msgspec["tags"]
    )


def test_too_big_a_layer_is_refused_and_not_written(tmp_path: Path, source: Path) -> None:
    output = tmp_path / "big.zip"
    options = BuildOptions(
        output=output, source=source, cache_dir=PIP_CACHE, limits=Limits(zipped=100_000)
    )
    with pytest.raises(LayerError, match=r"too big for Lambda.*over the 0\.1 MB limit"):
        build_layer(Target(), options)
    assert not output.exists()


def test_bytecode_is_used_without_looking_at_sources(build: Any, tmp_path: Path) -> None:
    """unchecked-hash bytecode: Python loads the .pyc even when the source says otherwise."""
    interpreter = target_python("3.12")
    result = build(compile=True)
    assert result.manifest["bytecode"] == "cpython-312"
    opt = unzip(result.output, tmp_path / "opt")
    site = opt / "python/lib/python3.12/site-packages"
    assert (site / "lambent/__pycache__/__init__.cpython-312.pyc").is_file()
    with (site / "lambent/__init__.py").open("a") as fh:
        fh.write("\nraise RuntimeError('the source was executed')\n")
    path = layer_path(opt, "3.12")
    code = f"import sys; sys.path[:0] = {path!r}; import lambent; print(lambent.__cached__)"
    done = subprocess.run([interpreter, "-I", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # the edited source did not run
    assert done.stdout.strip().endswith("lambent/__pycache__/__init__.cpython-312.pyc")
    # the code objects name the files where Lambda puts them
    pyc = (site / "lambent/__pycache__/_app.cpython-312.pyc").read_bytes()
    assert b"/opt/python/lib/python3.12/site-packages/lambent/_app.py" in pyc


def test_cli_builds_and_describes_a_layer(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "cli.zip"
    argv = ["layer", "build", "--python", "3.13", "--arch", "arm64", "-o", str(output)]
    assert main([*argv, "--source", str(source), "--cache-dir", PIP_CACHE, "-q"]) == 0
    out = capsys.readouterr().out
    assert "CompatibleRuntimes: python3.13" in out
    assert "CompatibleArchitectures: arm64" in out
    assert "zipped" in out and "unzipped" in out and "limit 50 MB" in out
    assert main(["layer", "info", str(output)]) == 0
    info = capsys.readouterr().out
    assert "python3.13 arm64" in info and "msgspec-" in info
    assert json.loads(zipfile.ZipFile(output).read(MANIFEST))["architecture"] == "arm64"


def test_cli_refuses_compile_without_the_target_python(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "layer",
        "build",
        "--compile-with",
        "/nonexistent/python3.12",
        "-o",
        str(tmp_path / "x.zip"),
    ]
    assert main([*argv, "--source", str(source), "--cache-dir", PIP_CACHE, "-q"]) == 2
    err = capsys.readouterr().err
    assert "bytecode must be written by the runtime's own version" in err
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize(
    "link", ["framework/lambent/leak.py", "framework/lambent/leaked", "README.md"]
)
def test_a_symlink_leaving_the_source_is_refused_and_its_target_never_zipped(
    tmp_path: Path, link: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET = 'do-not-ship-7f3a'\n")
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes((REPO / name).read_bytes())
    pkg = src / "framework" / "lambent"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (src / link).unlink(missing_ok=True)
    (src / link).symlink_to(outside if link.endswith("leaked") else outside / "secret.py")
    output = tmp_path / "dist" / "layer.zip"
    with pytest.raises(LayerError, match=f"{link} is a symlink to {outside}"):
        build_layer(Target(), BuildOptions(output=output, source=src, cache_dir=PIP_CACHE))
    assert not output.exists()
    assert main(["layer", "build", "--source", str(src), "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to package it" in err
    assert not output.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".zip", ".whl")]
    assert leftovers == []
