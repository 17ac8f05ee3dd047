"""Loading an app named by a string (``module:attr``, ``module``, ``path/file.py[:attr]``):
each way it can fail is one ``AppLoadError`` sentence naming the cause."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambent import ConfigurationError
from lambent._loading import AppLoadError, app_file, load_object, source_dir

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "tests" / "runtime" / "apps"


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path`` importable; modules imported from it forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_module_and_attribute_forms() -> None:
    from tests.runtime.apps import plain

    assert load_object("tests.runtime.apps.plain:fail") is plain.fail
    assert load_object("tests.runtime.apps.kinds").__class__.__name__ == "App"  # ``app``
    assert load_object("tests.runtime.apps.plain", default_attr="slow") is plain.slow
    assert load_object("tests.runtime.apps:plain.fail") is plain.fail  # a dotted attribute


def test_a_file_path_loads_the_file(on_path: Path) -> None:
    (on_path / "tally.py").write_text("from lambent import App\napp = App()\nCOUNT = 3\n")
    assert load_object(f"{on_path}/tally.py:COUNT") == 3
    assert app_file(f"{on_path}/tally.py:COUNT") == on_path / "tally.py"
    assert app_file("tally:COUNT") is None
    assert source_dir(f"{on_path}/tally.py") == on_path
    assert source_dir("tests.runtime.apps.plain") == Path(__file__).resolve().parent


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_anywhere:app", "no module named 'no_such_module_anywhere'"),
        ("tests.runtime.apps.nope:app", "no module named 'tests.runtime.apps.nope'"),
        ("tests/runtime/apps/nope.py", "no such file: tests/runtime/apps/nope.py"),
        ("tests.runtime.apps.plain:nothing", "tests.runtime.apps.plain has no attribute 'nothing'"),
        (
            "tests.runtime.apps.raises_at_import",
            "cannot import tests.runtime.apps.raises_at_import: RuntimeError: "
            "the module refuses to load (at tests/runtime/apps/raises_at_import.py:3)",
        ),
        (
            "tests.runtime.apps.import_error:handler",
            "cannot import tests.runtime.apps.import_error: ModuleNotFoundError: "
            "No module named 'lambent_no_such_module' (at tests/runtime/apps/import_error.py:4)",
        ),
    ],
)
def test_every_failure_is_one_sentence_naming_the_cause(
    target: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where the app's code raised: relative to it
    with pytest.raises(AppLoadError) as info:
        load_object(target)
    assert str(info.value) == message
    assert isinstance(info.value, ConfigurationError)


def test_a_missing_dependency_is_not_reported_as_the_app_missing(on_path: Path) -> None:
    """The app module exists; what is missing is a module it imports, whose name happens
    to begin like the app's."""
    (on_path / "orders_app.py").write_text("import orders\n")
    with pytest.raises(AppLoadError) as info:
        load_object("orders_app:app")
    assert str(info.value) == (
        "cannot import orders_app: ModuleNotFoundError: No module named 'orders' "
        f"(at {(on_path / 'orders_app.py').resolve()}:1)"
    )


@pytest.mark.parametrize("what", ["SystemExit", "KeyboardInterrupt", "Abort"])
def test_a_module_raising_a_base_exception_at_import_is_a_load_error(
    monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    # a module calling sys.exit() (or raising its own BaseException) at import is an app
    # that does not load, one sentence as any other; it escaped raw before
    monkeypatch.setenv("LAMBENT_TEST_IMPORT_RAISES", what)
    monkeypatch.chdir(ROOT)
    with pytest.raises(AppLoadError) as info:
        load_object("tests.local.apps.exits_at_import:handler")
    assert str(info.value) == (
        f"cannot import tests.local.apps.exits_at_import: {what}: raised {what} at import "
        "(at tests/local/apps/exits_at_import.py:14)"
    )
    assert type(info.value.__cause__).__name__ == what  # the module's own, for the shim


def test_a_failing_import_names_the_apps_line_not_a_librarys(
    on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raised inside the standard library (``json``) on behalf of the app's line 3: the
    app's line is named, relative to the working directory."""
    (on_path / "config_app.py").write_text('import json\n\nSETTINGS = json.loads("{bad")\n')
    monkeypatch.chdir(on_path)
    with pytest.raises(AppLoadError) as info:
        load_object("config_app:app")
    assert str(info.value).startswith("cannot import config_app: JSONDecodeError: ")
    assert str(info.value).endswith(" (at config_app.py:3)")
