"""The root logger's lines, as awslambdaric writes them, set up when ``logging`` is first used.

awslambdaric gives the root logger a handler writing ``[LEVEL]\\t<time>\\t<request id>\\t
<message>`` to stdout. ``lambent.runtime`` does the same, but imports the standard
``logging`` (with ``threading``, ``traceback`` and ``string``) only once something else
imports it: if the handler's module already has, the handler is added at once; otherwise
a finder on ``sys.meta_path`` adds it right after ``logging`` is first imported (at the
app's import, in an invocation, anywhere), before the importing code gets the module. A
loop-free app that never logs through ``logging`` therefore never pays for it at a cold
start, and every ``logging`` record still carries the request id. The finder stays in
``sys.meta_path`` once done (declining everything: removing it could make another
thread's import skip a finder), and the loops call :func:`catch_up` before each
invocation, for a ``logging`` that a finder placed before this one loaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from lambent.runtime._faults import json_format
from lambent.runtime._invocation import REQUEST_ID

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec

_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"


def _with_request_id(record: Any) -> bool:
    """The handler's filter: every record names the invocation that wrote it."""
    record.aws_request_id = REQUEST_ID.get() or ""
    return True


class _Stdout:
    """Writes to whatever ``sys.stdout`` is at the time (tests and hosts may swap it)."""

    def write(self, text: str) -> Any:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


#: ``setup_logging`` waits for ``logging`` to be imported (the handler is not added yet)
_waiting = False


def _install(logging: Any) -> None:
    global _waiting
    _waiting = False
    root = logging.getLogger()
    handler = logging.StreamHandler(_Stdout())
    if json_format():
        from lambent.runtime._json_logs import json_formatter

        formatter = json_formatter(logging)
    else:
        formatter = logging.Formatter(_FORMAT, "%Y-%m-%dT%H:%M:%S")
        formatter.converter = __import__("time").gmtime
    handler.setFormatter(formatter)
    handler.terminator = ""
    handler.addFilter(_with_request_id)
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level  # Lambda's TRACE, as awslambdaric reads it
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)


class _ThenLoader:
    """Runs the real loader, then ``then`` with the module (the spec gets its loader back)."""

    def __init__(self, loader: Any, then: Callable[[ModuleType], None]) -> None:
        self.loader = loader
        self.then = then

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create: Any = getattr(self.loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.then(module)


class _OnFirstImport:
    """A ``sys.meta_path`` finder that calls ``then`` with module ``name`` once it has been
    imported for the first time (the real finders find it), and then declines everything."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.then = then
        self.done = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.name or self.done or not _waiting:
            return None
        self.done = True
        for finder in sys.meta_path:
            if finder is self:
                continue
            find: Any = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = None if find is None else find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec  # nothing to wrap: the module is set up without us
        spec.loader = cast("Loader", _ThenLoader(spec.loader, self.then))
        return spec


def setup_logging() -> None:
    """Give the root logger awslambdaric's lines: now if ``logging`` is loaded, else as
    soon as something imports it."""
    global _waiting
    loaded = sys.modules.get("logging")
    if loaded is not None:
        _install(loaded)
        return
    _waiting = True
    sys.meta_path.insert(0, _OnFirstImport("logging", _install))


def catch_up() -> None:
    """Add the handler now if ``logging`` was loaded without the finder seeing it."""
    if _waiting:
        loaded = sys.modules.get("logging")
        if loaded is not None:
            _install(loaded)
