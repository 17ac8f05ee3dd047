"""The shape docs/architecture.md promises, read from the source text (AST, nothing imported):

- dependencies point one way: core modules import the source registry and the source
  contract, never a particular source module; ``lambent.http`` imports no source module;
  the local emulator (``_local``) does not import the CLI (``_cli``);
- no module is over :data:`MAX_LINES` lines;
- no kind string (``lambent.sources.KINDS``) is compared (``==``, ``!=``, ``in`` a literal
  tuple/list/set, ``match``/``case``) outside ``lambent/sources/``;
- no public decorator of ``App`` or ``Router`` takes ``**options``;
- every module has a test module of its own name (:func:`mirror`): tests mirror modules.

``KNOWN_OFFENDERS`` lists what breaks a rule on the day the rule was written; the list can
only shrink: an entry that no longer offends fails the test, so it must be removed with
the fix.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

from lambent import App, Router, sources
from lambent.sources._decorators import SourceRoutes

PACKAGE = Path(__file__).resolve().parent.parent / "framework" / "lambent"

#: "no module over ~400 lines"
MAX_LINES = 400

#: what every part of lambent may import from ``lambent.sources``: the registry and the
#: source contract (docs/architecture.md, "Dependencies point one way")
CONTRACT = frozenset(
    {
        "lambent.sources",
        "lambent.sources._protocol",
        "lambent.sources._base",
        "lambent.sources._match",
    }
)

#: packages that are neither core nor sources: tools around the framework that may speak of
#: a particular source (the AWS helpers, the CLI, the dev server, the layer builder, the
#: local emulator, the pollers, the test factories and client); ``lambent.http`` has its
#: own, stricter rule
TOOLS = ("aws", "_cli", "_dev", "_layer", "_local", "poll", "testing")

#: the kind rule compares only operands named like a kind (``kind``, ``source``,
#: ``spec.response``, ``wire``, ``mode``): an AWS service name read from an ARN
#: (``service == "sqs"``) is not a source kind
KIND_NAMES = re.compile(r"(^|_)(kind|source|response|wire|mode)$")

#: (module, operand): comparisons of a string that is also a kind, in another namespace
OTHER_NAMESPACES: dict[tuple[str, str], str] = {
    ("lambent.poll", "source.kind"): "the poller's own Kind (sqs | kinesis | dynamodb)",
    ("lambent.poll", "s.kind"): "the poller's own Kind (sqs | kinesis | dynamodb)",
}

#: where kinds are compared by design: the test factories, one module per family of
#: sources (docs/architecture.md, "Adding a source"), build each kind's wire shape
BUILDS_PER_KIND = ("lambent.sources", "lambent.testing.events")

#: (rule, module, what offends): what broke a rule on the day the rule was written.
#: Emptied as the offenders are fixed; never grown.
KNOWN_OFFENDERS: frozenset[tuple[str, str, str]] = frozenset()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@cache
def _tree(name: str) -> ast.Module:
    path = _modules()[name]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _resolve(module: str, package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if package else module.split(".")[:-1]
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imported_module(node: ast.Call) -> str | None:
    """The module an ``import_module("literal")`` call names, else None."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name != "import_module" or not node.args or not isinstance(node.args[0], ast.Constant):
        return None
    value = node.args[0].value
    return value if isinstance(value, str) else None


def imports_in(module: str, package: bool, tree: ast.Module) -> set[str]:
    """Every lambent module ``tree`` (the text of ``module``) imports anywhere: at the top,
    inside functions, under ``TYPE_CHECKING``, or through ``importlib.import_module`` with
    a literal name; ``from package import name`` also counts as importing ``package.name``
    (whether or not that is a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, package, node)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and (name := _imported_module(node)) is not None:
            found.add(name)
    return {name for name in found if name == "lambent" or name.startswith("lambent.")}


def imports(module: str) -> set[str]:
    """The lambent modules (and names in them) ``module`` imports."""
    package = _modules()[module].name == "__init__.py"
    return imports_in(module, package, _tree(module))


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _is_core(module: str) -> bool:
    return not _in(
        module, "lambent.sources", "lambent.http", *(f"lambent.{tool}" for tool in TOOLS)
    )


def _particular_sources() -> frozenset[str]:
    """The registry's source modules (``lambent.sources.<name>``)."""
    return frozenset(f"lambent.sources.{entry.module}" for entry in sources.SOURCES)


def _source_side() -> frozenset[str]:
    """Every module of ``lambent/sources/`` but the registry and the contract."""
    return frozenset(m for m in _modules() if _in(m, "lambent.sources")) - CONTRACT


def _lines(module: str) -> int:
    return len(_modules()[module].read_text(encoding="utf-8").splitlines())


def offenders(rule: str) -> set[tuple[str, str, str]]:
    """``(rule, module, what)`` for everything in lambent that breaks ``rule``."""
    found: set[tuple[str, str, str]] = set()
    for module in _modules():
        what: set[str] = set()
        if rule == "too-long" and _lines(module) > MAX_LINES:
            what = {f"over {MAX_LINES} lines"}
        elif rule == "core-imports-source" and _is_core(module):
            what = imports(module) & _particular_sources()
        elif rule == "http-imports-source" and _in(module, "lambent.http"):
            what = imports(module) & _source_side()
        elif rule == "local-imports-cli" and _in(module, "lambent._local"):
            what = {i for i in imports(module) & _modules().keys() if _in(i, "lambent._cli")}
        elif rule == "kind-compared" and not _in(module, *BUILDS_PER_KIND):
            what = kind_comparisons(module, _tree(module))
        found.update((rule, module, w) for w in what)
    return found


def _kinds_in(node: ast.expr) -> list[str]:
    """The kind strings ``node`` is, or (a literal tuple, list or set) holds."""
    elements = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [
        e.value
        for e in elements
        if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in sources.KINDS
    ]


def _named_like_a_kind(module: str, node: ast.expr) -> bool:
    if (module, ast.unparse(node)) in OTHER_NAMESPACES:
        return False
    if isinstance(node, ast.Call):
        node = node.func
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return bool(KIND_NAMES.search(name))


def kind_comparisons(module: str, tree: ast.Module) -> set[str]:
    """``operand == 'kind'`` (or ``in (...)``, or a ``case``) for each comparison of a kind
    string with an operand named like a kind in ``module``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if isinstance(op, ast.Eq | ast.NotEq):
                    pairs = [(left, right), (right, left)]
                elif isinstance(op, ast.In | ast.NotIn):
                    pairs = [(left, right)]
                else:
                    continue
                for operand, constant in pairs:
                    if not isinstance(constant, ast.Name | ast.Attribute | ast.Call):
                        found.update(
                            f"{ast.unparse(operand)} vs {kind!r}"
                            for kind in _kinds_in(constant)
                            if _named_like_a_kind(module, operand)
                        )
        elif isinstance(node, ast.Match):
            kinds = [
                kind
                for case in node.cases
                for pattern in ast.walk(case.pattern)
                if isinstance(pattern, ast.MatchValue)
                for kind in _kinds_in(pattern.value)
            ]
            if _named_like_a_kind(module, node.subject):
                found.update(f"match {ast.unparse(node.subject)}: {k!r}" for k in kinds)
    return found


RULES = (
    "core-imports-source",
    "http-imports-source",
    "local-imports-cli",
    "too-long",
    "kind-compared",
)


@pytest.mark.parametrize("rule", RULES)
def test_no_new_offenders_and_the_known_ones_are_still_there(rule: str) -> None:
    found = offenders(rule)
    known = {o for o in KNOWN_OFFENDERS if o[0] == rule}
    assert sorted(found - known) == [], "breaks the rule (fix it; never add to KNOWN_OFFENDERS)"
    assert sorted(known - found) == [], "fixed: remove these from KNOWN_OFFENDERS"


def test_the_kind_check_sees_comparisons_and_cases_but_not_service_names() -> None:
    code = """
if spec.kind == "sqs" or "alb" != wire or mode in ("firehose", "batch"): ...
if source_kind not in ["kinesis-stream"]: ...
if service == "sqs" or parts[2] in ("sqs", "sns") or kind == "not-a-kind": ...
match event.kind:
    case "s3" | "ses": ...
"""
    found = kind_comparisons("example", ast.parse(code))
    assert found == {
        "spec.kind vs 'sqs'",
        "wire vs 'alb'",
        "mode vs 'firehose'",
        "source_kind vs 'kinesis-stream'",
        "match event.kind: 's3'",
        "match event.kind: 'ses'",
    }


def test_imports_are_found_wherever_they_are_written() -> None:
    code = """
from typing import TYPE_CHECKING
from . import _errors
from .._base import SourceSpec
if TYPE_CHECKING:
    from lambent.sources.s3 import S3Record
def later():
    import lambent._cli._load
    importlib.import_module("lambent.sources.sqs")
"""
    found = imports_in("lambent.sources.x", False, ast.parse(code))
    assert found == {
        "lambent.sources",
        "lambent.sources._errors",
        "lambent._base",
        "lambent._base.SourceSpec",
        "lambent.sources.s3",
        "lambent.sources.s3.S3Record",
        "lambent._cli._load",
        "lambent.sources.sqs",
    }
    assert imports_in("lambent.sources", True, ast.parse("from . import sqs")) == {
        "lambent.sources",
        "lambent.sources.sqs",
    }


#: public methods that take any keyword by design: Router.configure_http refuses every call
#: (HTTP options are the app's)
REFUSES_EVERY_CALL = {("Router", "configure_http")}


@pytest.mark.parametrize("cls", [App, Router, SourceRoutes], ids=lambda c: c.__name__)
def test_public_decorators_spell_out_their_options(cls: type) -> None:
    """No ``**options``: a typo is a TypeError naming it, and editors show the signature."""
    loose = [
        f"{name}({parameter})"
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and (cls.__name__, name) not in REFUSES_EVERY_CALL
        for parameter in inspect.signature(member).parameters.values()
        if parameter.kind is inspect.Parameter.VAR_KEYWORD
    ]
    assert loose == []


#: modules without a test module of their own name, each with the reason (none today:
#: a new module comes with its test module)
NO_TEST_MODULE: dict[str, str] = {}

TESTS = PACKAGE.parent.parent / "tests"


def mirror(module: Path) -> Path:
    """The test module of ``framework/lambent/<pkg>/<_name>.py``: tests/<pkg>/test_<name>.py,
    leading underscores dropped from packages and names (lambent/_cli/routes.py ->
    tests/cli/test_routes.py, lambent/http/_router.py -> tests/http/test_router.py)."""
    rel = module.relative_to(PACKAGE)
    folders = [part.lstrip("_") for part in rel.parts[:-1]]
    return TESTS.joinpath(*folders, f"test_{rel.stem.lstrip('_')}.py")


def test_every_module_has_a_test_module_of_its_own_name() -> None:
    modules = [
        p for p in sorted(PACKAGE.rglob("*.py")) if p.name not in ("__init__.py", "__main__.py")
    ]
    names = {str(p.relative_to(PACKAGE)) for p in modules}
    assert set(NO_TEST_MODULE) <= names, "NO_TEST_MODULE names a module that does not exist"
    missing = [
        f"{p.relative_to(PACKAGE)} -> {mirror(p).relative_to(TESTS.parent)}"
        for p in modules
        if not mirror(p).is_file() and str(p.relative_to(PACKAGE)) not in NO_TEST_MODULE
    ]
    assert missing == [], "modules without a test module of their own name:\n" + "\n".join(missing)
    stale = [name for name in NO_TEST_MODULE if mirror(PACKAGE / name).is_file()]
    assert stale == [], f"these have a test module now; take them off NO_TEST_MODULE: {stale}"


def test_the_mirror_drops_leading_underscores() -> None:
    assert mirror(PACKAGE / "_cli" / "routes.py") == TESTS / "cli" / "test_routes.py"
    assert mirror(PACKAGE / "http" / "_router.py") == TESTS / "http" / "test_router.py"
    assert mirror(PACKAGE / "metrics.py") == TESTS / "test_metrics.py"
    assert mirror(PACKAGE / "testing" / "events" / "_common.py") == (
        TESTS / "testing" / "events" / "test_common.py"
    )
