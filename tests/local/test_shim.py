"""The handler worker processes load for an app that is not a plain function
(lambent._local.shim): importing it loads the app named in ``LAMBENT_LOCAL_APP``, and a
broken app fails that import with the app's own error, as the runtime's init would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import lambent._local.shim as shim, tests.local.apps.real_app as real; "
    "print(shim.handler == real.app.handler)"
)


def load(target: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "LAMBENT_LOCAL_APP": target}, cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_handler_is_the_apps_own_entry_point() -> None:
    done = load("tests.local.apps.real_app:app", PROBE)
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


def test_a_broken_app_fails_the_import_with_its_own_error() -> None:
    done = load("tests.local.apps.broken:app", "import lambent._local.shim")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == "ImportError: this module is broken on purpose", last
