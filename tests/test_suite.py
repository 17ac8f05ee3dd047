"""The test suite's own rules, read from its source text (AST, nothing imported):

- every test can fail: it asserts, expects an error (``pytest.raises``, ``pytest.fail``,
  ``pytest.warns``, ``raise``), or calls a helper that does (a function of its module, of
  a module it imports from ``tests``, or a ``conftest.py`` fixture it asks for);
- no ``assert`` is true whatever it tests: a non-empty literal, or a conditional
  expression with one as a branch (``assert a == b if c else [d]`` asserts ``[d]``, always
  true, when ``c`` is false);
- every skip says why;
- only ``tests/corpus.py`` finds the shared event corpus, so that every test that reads
  it skips saying so when it is absent, and fails under ``CI=true``.

``ACCEPTING`` lists the tests whose only check is that a call returns (the valid side of
a validation whose refusals another test checks); the list can only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

TESTS = Path(__file__).resolve().parent

#: test -> why returning is all it checks (each pairs with a test of the refusals)
ACCEPTING: dict[str, str] = {
    "tests/local/test_errors.py::test_sane_payloads_pass": "check_payload raises or returns",
    "tests/poll/test_options.py::test_values_lambda_takes": "PollOptions.check raises or returns",
    "tests/poll/test_options.py::test_settings_a_mapping_of_that_source_takes": (
        "check_source raises or returns"
    ),
    "tests/poll/test_poll.py::test_a_route_that_takes_the_sources_records_is_enough": (
        "check_routes raises or returns"
    ),
}

_CHECKS = frozenset({"raises", "fail", "warns", "deprecated_call"})

Scope = dict[str, "tuple[Path, ast.AST] | str"]


class Suite:
    """The test modules under ``root`` as syntax trees (``extra``: modules given as text,
    for examples not on disk), and which of their functions can fail."""

    def __init__(self, root: Path, extra: dict[Path, str] | None = None) -> None:
        self.root = root
        self.extra = extra or {}
        self._trees: dict[Path, ast.Module] = {}
        self._scopes: dict[Path, Scope] = {}

    def tree(self, path: Path) -> ast.Module:
        if path not in self._trees:
            text = self.extra.get(path)
            if text is None:
                text = path.read_text(encoding="utf-8")
            self._trees[path] = ast.parse(text, filename=str(path))
        return self._trees[path]

    def module_path(self, dotted: str) -> Path | None:
        """The file of a ``tests.…`` module (a package's ``__init__.py``), or None."""
        if dotted != "tests" and not dotted.startswith("tests."):
            return None
        base = self.root.parent.joinpath(*dotted.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file() or candidate in self.extra:
                return candidate
        return None

    def scope(self, path: Path) -> Scope:
        """Names a module defines (anywhere in it: helpers are found by name) and the names
        it imports from other test modules (``"module:name"``; ``"module:"``: a module)."""
        if path in self._scopes:
            return self._scopes[path]
        tree = self.tree(path)
        scope: Scope = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                scope.setdefault(node.name, (path, node))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if self.module_path(f"{node.module}.{alias.name}") is not None:
                        scope[alias.asname or alias.name] = f"{node.module}.{alias.name}:"
                    elif self.module_path(node.module) is not None:
                        scope[alias.asname or alias.name] = f"{node.module}:{alias.name}"
        self._scopes[path] = scope
        return scope

    def resolve(self, path: Path, name: str) -> tuple[Path, ast.AST] | None:
        found = self.scope(path).get(name)
        if isinstance(found, str):
            module, _, attribute = found.partition(":")
            target = self.module_path(module)
            return None if target is None or not attribute else self.resolve(target, attribute)
        return found

    def called(self, path: Path, call: ast.Call) -> tuple[Path, ast.AST] | None:
        """The test-suite function a call reaches, when it can be told by name."""
        func = call.func
        if isinstance(func, ast.Name):
            return self.resolve(path, func.id)
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name):
                found = self.scope(path).get(func.value.id)
                if isinstance(found, str) and found.endswith(":"):  # a module of the suite
                    target = self.module_path(found[:-1])
                    return None if target is None else self.resolve(target, func.attr)
            return self.resolve(path, func.attr)  # a method of a helper object of this module
        return None

    def can_fail(self, path: Path, node: ast.AST, seen: frozenset[int] = frozenset()) -> bool:
        """Whether running ``node`` (a function) can fail: it checks, or calls what does."""
        if id(node) in seen:
            return False
        if _checks_itself(node):
            return True
        seen = seen | {id(node)}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                target = self.called(path, inner)
                if target is not None and self.can_fail(*target, seen):
                    return True
        return False

    def fixture_can_fail(self, path: Path, name: str) -> bool:
        found = self.resolve(path, name)
        if found is not None and self.can_fail(*found):
            return True
        folder = path.parent
        while folder == self.root or self.root in folder.parents:
            conftest = folder / "conftest.py"
            if conftest.is_file():
                found = self.resolve(conftest, name)
                if found is not None and self.can_fail(*found):
                    return True
            folder = folder.parent
        return False

    def collected(self, path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        """The functions pytest collects as tests: ``test*`` of the module and of its
        ``Test*`` classes."""
        tree = self.tree(path)
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name[:4] == "Test"]
        for node in [*tree.body, *(n for c in classes for n in c.body)]:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name[:4] == "test":
                yield node

    def cannot_fail(self, paths: list[Path]) -> set[str]:
        """``path::name`` of the tests of ``paths`` that cannot fail."""
        found = set()
        for path in paths:
            for test in self.collected(path):
                if self.can_fail(path, test):
                    continue
                if any(self.fixture_can_fail(path, arg.arg) for arg in test.args.args):
                    continue
                found.add(f"{path.relative_to(self.root.parent)}::{test.name}")
        return found


def _checks_itself(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assert | ast.Raise):
            return True
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _CHECKS or name.startswith("assert"):
                return True
    return False


@cache
def _suite() -> Suite:
    return Suite(TESTS)


def _tree(path: Path) -> ast.Module:
    return _suite().tree(path)


def test_every_test_can_fail() -> None:
    found = _suite().cannot_fail(sorted(TESTS.rglob("test_*.py")))
    assert sorted(found - set(ACCEPTING)) == [], "asserts nothing: make it observe something"
    assert sorted(set(ACCEPTING) - found) == [], "checks now: remove these from ACCEPTING"


EXAMPLE = """
import pytest
from tests.corpus import require
from tests.sources import _support

def helper(x):
    assert x

def test_direct():
    assert 1 == 1

def test_through_a_helper():
    helper(2)

def test_through_an_imported_module():
    _support.assert_declines(None, None)

def test_through_an_imported_name():
    require()

def test_raising():
    with pytest.raises(ValueError):
        int("x")

def test_nothing():
    int("1")

def test_through_a_fixture(checked):
    int("1")

def test_through_a_conftest_fixture(require_corpus):
    int("1")

def test_through_a_fixture_that_checks_nothing(lambda_logs):
    int("1")
"""


def test_the_check_follows_helpers_of_the_module_and_of_the_suite() -> None:
    path = TESTS / "test_example_of_the_check.py"
    suite = Suite(TESTS, {path: EXAMPLE + "\ndef checked():\n    assert True\n"})
    assert suite.cannot_fail([path]) == {
        "tests/test_example_of_the_check.py::test_nothing",
        "tests/test_example_of_the_check.py::test_through_a_fixture_that_checks_nothing",
    }


def _always_true(test: ast.expr) -> bool:
    if isinstance(test, ast.IfExp):  # each branch is what is asserted
        return _always_true(test.body) or _always_true(test.orelse)
    if isinstance(test, ast.Tuple | ast.List | ast.Set):
        return bool(test.elts)
    if isinstance(test, ast.Dict):
        return bool(test.keys)
    return isinstance(test, ast.Constant) and bool(test.value)


def test_the_always_true_check_sees_conditionals_and_literals() -> None:
    said = {
        code: _always_true(ast.parse(f"assert {code}").body[0].test)  # type: ignore[attr-defined]
        for code in (
            "a == b if c else [d]", "a == b if c else d", "(a, 'why')", "[x]", "{}", "1", "0",
            "a == b",
        )
    }  # fmt: skip
    assert said == {
        "a == b if c else [d]": True,  # ``assert (a == b) if c else [d]``: [d] when not c
        "a == b if c else d": False,
        "(a, 'why')": True,
        "[x]": True,
        "{}": False,
        "1": True,
        "0": False,
        "a == b": False,
    }


def test_no_assert_is_true_whatever_it_tests() -> None:
    found = [
        f"{path.relative_to(TESTS.parent)}:{node.lineno}: assert {ast.unparse(node.test)}"
        for path in sorted(TESTS.rglob("*.py"))
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Assert) and _always_true(node.test)
    ]
    assert found == []


def test_every_skip_says_why() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            said = bool(node.args) or any(k.arg in ("reason", "msg") for k in node.keywords)
            if name in ("skip", "skipif", "xfail") and not said:
                found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    assert found == []


def _strings(tree: ast.Module) -> Iterator[str]:
    """The string constants of a module, less its docstrings."""
    docstrings = {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if isinstance(node.value, str):
            yield node.value


def test_only_the_corpus_module_finds_the_corpus() -> None:
    """A test finding ``../shared/events`` itself would pass or skip on its own terms."""
    words = ("shared/events", "MANIFEST.tsv", "NEW-KINDS.tsv", "LAMBENT_EVENTS")
    found = sorted(
        f"{path.relative_to(TESTS.parent)}: {text!r}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name not in ("corpus.py", "test_suite.py")
        for text in _strings(_tree(path))
        if any(word in text for word in words)
    )
    assert found == []
