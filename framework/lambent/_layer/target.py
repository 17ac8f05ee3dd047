"""What a layer is built for: a Lambda Python runtime, an architecture and extras.

A :class:`Target` names everything that decides which wheels fit: the runtime's Python
version, the CPU (``x86_64`` or ``arm64``, Lambda's names) and the glibc of the runtime's
operating system. ``python3.11`` runs on Amazon Linux 2 (glibc 2.26), so only
``manylinux2014`` wheels load there; ``python3.12`` and ``python3.13`` run on Amazon
Linux 2023 (glibc 2.34), which also takes ``manylinux_2_28`` wheels.

The module also finds an interpreter of the target version on this machine (for
bytecode), and holds Lambda's size limits (LAMBDA.md §3.6).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class LayerError(Exception):
    """A layer cannot be built as asked; the message says why and what to do."""


#: Lambda's Python runtimes this layer can be built for
PYTHONS: tuple[str, ...] = ("3.11", "3.12", "3.13")
#: Lambda's architecture names, and what ``uname -m``/wheel tags/ELF call them
ARCHITECTURES: dict[str, str] = {"x86_64": "x86_64", "arm64": "aarch64"}
#: ELF ``e_machine`` of each architecture's shared objects
ELF_MACHINES: dict[str, int] = {"x86_64": 0x3E, "arm64": 0xB7}
#: extras of the ``lambent`` distribution a layer may carry
EXTRAS: tuple[str, ...] = ("aws",)
#: the newest manylinux glibc each runtime's OS takes (AL2: 2.26 -> 2014; AL2023: 2.34)
_MANYLINUX: dict[str, tuple[str, ...]] = {
    "3.11": ("manylinux2014",),
    "3.12": ("manylinux2014", "manylinux_2_28"),
    "3.13": ("manylinux2014", "manylinux_2_28"),
}

#: a layer's zip, uploaded directly (not through S3)
MAX_ZIPPED = 50 * 1024 * 1024
#: a function and all its layers, unzipped
MAX_UNZIPPED = 250 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Size limits a build must stay under (bytes)."""

    zipped: int = MAX_ZIPPED
    unzipped: int = MAX_UNZIPPED


@dataclass(frozen=True)
class Target:
    """A Lambda runtime and architecture, and the extras of lambent to install."""

    python: str = "3.12"
    arch: str = "x86_64"
    extras: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.python not in PYTHONS:
            raise LayerError(
                f"Python {self.python} is not a Lambda runtime lambent supports "
                f"(choose one of {', '.join(PYTHONS)})"
            )
        if self.arch not in ARCHITECTURES:
            raise LayerError(
                f"unknown architecture {self.arch!r} (choose x86_64 or arm64, Lambda's names)"
            )
        unknown = sorted(set(self.extras) - set(EXTRAS))
        if unknown:
            raise LayerError(f"unknown extra(s) {', '.join(unknown)} (known: {', '.join(EXTRAS)})")
        object.__setattr__(self, "extras", tuple(sorted(set(self.extras))))

    @property
    def runtime(self) -> str:
        """Lambda's runtime identifier, ``python3.12``."""
        return f"python{self.python}"

    @property
    def machine(self) -> str:
        """The machine name in wheel tags and ``platform_machine``: x86_64 or aarch64."""
        return ARCHITECTURES[self.arch]

    @property
    def abi(self) -> str:
        """The CPython ABI tag, ``cp312``."""
        return "cp" + self.python.replace(".", "")

    @property
    def platforms(self) -> tuple[str, ...]:
        """The ``--platform`` values for pip, oldest first."""
        return tuple(f"{tag}_{self.machine}" for tag in _MANYLINUX[self.python])

    @property
    def site_packages(self) -> str:
        """Where packages go inside the zip (and under ``/opt``)."""
        return f"python/lib/python{self.python}/site-packages"

    @property
    def bytecode_tag(self) -> str:
        """The ``sys.implementation.cache_tag`` of the runtime: ``cpython-312``."""
        return "cpython-" + self.python.replace(".", "")

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values of the Lambda runtime, for resolving dependencies."""
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{self.python}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{self.python}.0",
            "python_version": self.python,
            "sys_platform": "linux",
        }

    def requirement(self, source: str) -> str:
        """``/path/lambent.whl[aws]`` for pip."""
        return f"{source}[{','.join(self.extras)}]" if self.extras else source


def interpreter_version(executable: str) -> str | None:
    """``"3.12"`` for a Python executable, ``None`` if it does not run."""
    try:
        done = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_interpreter(python: str) -> str | None:
    """A CPython of version ``python`` on this machine: ``pythonX.Y`` on PATH, then pyenv."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{python}")
    if on_path:
        candidates.append(on_path)
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = glob.glob(os.path.join(root, "versions", f"{python}.*", "bin", "python"))
    candidates.extend(sorted(found, key=_version_key, reverse=True))
    for candidate in candidates:
        if interpreter_version(candidate) == python:
            return candidate
    return None


def _version_key(path: str) -> tuple[int, ...]:
    name = Path(path).parent.parent.name
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))
