"""The local Lambda stays out of ``import lambent`` and out of ``lambent invoke``'s way."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("aiohttp", "botocore", "aiobotocore", "boto3")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    return set(out.split())


def test_import_lambent_imports_no_aws_or_http_library() -> None:
    loaded = _modules_after("import lambent")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert "lambent._local" not in loaded


def test_cli_parser_and_invoke_module_import_no_server() -> None:
    loaded = _modules_after(
        "from lambent.__main__ import build_parser; build_parser()\n"
        "import lambent._local.inprocess, lambent._local.async_queue"
    )
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_the_emulator_does_not_import_the_command_line() -> None:
    loaded = _modules_after(
        "import lambent._local.server, lambent._local.worker, lambent._local.state"
    )
    assert not {m for m in loaded if m.startswith("lambent._cli") or m == "lambent.__main__"}


def test_no_local_module_names_the_command_line_package() -> None:
    from pathlib import Path

    import lambent._local

    folder = Path(lambent._local.__file__).parent
    for module in folder.glob("*.py"):
        assert "lambent._cli" not in module.read_text(), module.name
