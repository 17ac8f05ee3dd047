"""One CLI voice: a user's mistake is one line naming the cause and exit status 2 in every
subcommand (``--debug`` adds the traceback); ``--version``; every option has help that
shows its default."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambent.__main__ import build_parser, main, subcommands
from lambent._cli import FLAGS, HelpFormatter

ROOT = Path(__file__).resolve().parents[2]
MISSING = "no_such_app.py"
CONFIG_ERROR = """
from lambent import App
app = App()

@app.get("/items/{id}/{id}")
def twice(id: int) -> None: ...
"""


def lambent(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambent", *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], prefix: str, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix + ": "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def apps(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config_error.py").write_text(CONFIG_ERROR)
    (tmp_path / "import_error.py").write_text("import no_such_module_abc\n")
    (tmp_path / "event.json").write_text("{}")
    return {
        "config": str(tmp_path / "config_error.py"),
        "import": str(tmp_path / "import_error.py"),
        "event": str(tmp_path / "event.json"),
    }


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def test_version() -> None:
    done = lambent("--version")
    assert done.returncode == 0 and done.stdout.startswith("lambent ")


def test_routes_mistakes(apps: dict[str, str]) -> None:
    one_line(lambent("routes", MISSING), "lambent routes", "no such file", MISSING)
    one_line(lambent("routes", apps["import"]), "lambent routes", "no_such_module_abc")
    one_line(lambent("routes", apps["config"]), "lambent routes", "id")


def test_invoke_mistakes(apps: dict[str, str]) -> None:
    one_line(lambent("invoke", MISSING, apps["event"]), "lambent invoke", MISSING)
    one_line(lambent("invoke", apps["config"], apps["event"]), "lambent invoke", "id")
    one_line(lambent("invoke", apps["config"], "missing.json"), "lambent invoke", "missing.json")


@pytest.mark.network
def test_serve_mistakes(apps: dict[str, str], busy_port: int) -> None:
    one_line(lambent("serve", MISSING, "--port", "0"), "lambent serve", MISSING)
    one_line(lambent("serve", apps["import"], "--port", "0"), "lambent serve", "no_such_module_abc")
    one_line(lambent("serve", apps["config"], "--port", "0"), "lambent serve", "id")
    one_line(
        lambent("serve", "tests.local.apps.handlers:echo", "--port", str(busy_port)),
        "lambent serve", f"cannot listen on 127.0.0.1:{busy_port}",
    )  # fmt: skip
    one_line(
        lambent("serve", "tests.local.apps.handlers:echo", "--host", "0.0.0.0"),
        "lambent serve", "--allow-remote",
    )  # fmt: skip


@pytest.mark.network
def test_dev_mistakes(apps: dict[str, str], busy_port: int) -> None:
    one_line(lambent("dev", MISSING, "--port", "0"), "lambent dev", MISSING)
    one_line(lambent("dev", apps["config"], "--port", "0"), "lambent dev", "id")
    one_line(
        lambent("dev", apps["config"], "--port", str(busy_port)),
        "lambent dev", f"cannot listen on 127.0.0.1:{busy_port}",
    )  # fmt: skip
    one_line(lambent("dev", apps["config"], "--source", "sqs"), "lambent dev", "--source")
    one_line(lambent("dev", apps["config"], "--host", "10.1.2.3"), "lambent dev", "--allow-remote")


def test_events_mistakes(tmp_path: Path) -> None:
    one_line(lambent("events", "generate", "sqs", "--table", "x"), "lambent events generate",
             "--table does not apply to sqs")  # fmt: skip
    one_line(lambent("events", "generate", "direct", "--body", "[1]"), "lambent events generate",
             "JSON object")  # fmt: skip
    one_line(lambent("events", "generate", "nope"), "lambent events generate", "nope")
    one_line(lambent("events", "detect", "missing.json"), "lambent events detect", "missing.json")


def test_layer_mistakes(tmp_path: Path) -> None:
    one_line(lambent("layer", "info", "missing.zip"), "lambent layer info", "missing.zip")
    one_line(
        lambent("layer", "build", "--source", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.zip")),
        "lambent layer build", "nowhere",
    )  # fmt: skip
    one_line(lambent("layer", "build", "--arch", "sparc"), "lambent layer build", "sparc")


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", MISSING, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1] == f"lambent routes: no such file: {MISSING}"
    assert main(["--debug", "routes", MISSING]) == 2
    assert "Traceback" in capsys.readouterr().err


def _options() -> Iterator[tuple[str, argparse.Action, str]]:
    parser = build_parser()
    for command in [parser, *subcommands(parser)]:
        formatter = HelpFormatter(command.prog)
        for action in command._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue
            yield command.prog, action, formatter._get_help_string(action) or ""


@pytest.mark.parametrize(
    ("prog", "action", "text"), list(_options()), ids=lambda v: getattr(v, "dest", v)
)
def test_every_option_has_help_showing_its_default(
    prog: str, action: argparse.Action, text: str
) -> None:
    assert action.help, f"{prog} {action.dest} has no help"
    if action.option_strings and not isinstance(action, FLAGS):
        assert "default" in text, f"{prog} {action.option_strings[0]}: {text}"
    default = action.default
    if action.option_strings and not isinstance(action, FLAGS) and default not in (None, []):
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert shown in text, f"{prog} {action.option_strings[0]}: {text}"


def test_an_unknown_option_is_named_with_its_subcommand() -> None:
    one_line(lambent("layer", "build", "--bogus"), "lambent layer build", "--bogus")
    one_line(lambent("serve", "app.py", "--port", "x"), "lambent serve", "--port")
    one_line(lambent("nonsense"), "lambent", "nonsense")
