"""The package's shape: layers import only the layers below them, no module imports
itself round a circle, and modules stay small and distinctly named.

core < render < widget < exercises < grading < cli: a widget that imported the
exercises, say, would drag student-answer code into every Stepper and make the
layers impossible to test or ship apart.  Imports are read from the source with
``ast``, in every subpackage, so an import inside a function counts as much as
one at the top, and so does a module named in a string (``import_module(...)``,
``__import__(...)``, or a table of module names that one of them reads).
"""

from __future__ import annotations

import ast
import pathlib
import re
from collections import Counter

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "buddy_edu"
LAYERS = ["core", "render", "widget", "exercises", "grading", "cli"]
MODULE_TEXT = re.compile(r"buddy_edu(?:\.[a-z_]+)+")
DYNAMIC = {"import_module", "__import__"}
#: The one module allowed to run longer: the allocator's hot path is kept in one place.
LONG_MODULES = {"core/allocator.py"}
MAX_LINES = 450


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(base: str, name: str) -> set[str]:
    """``base.name`` if that is a module, else ``base`` (``name`` is a name inside it)."""
    full = f"{base}.{name}" if base else name
    return {full} if full in MODULES else {base}


def _package_of(module: str) -> str:
    path = MODULES[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _relative(module: str, level: int, name: str | None) -> str:
    base = _package_of(module)
    for _ in range(level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{name}" if name else base


def imports_of(module: str, source: str | None = None) -> set[str]:
    """Every buddy_edu module that ``module`` imports, statically or by a string."""
    if source is None:
        source = MODULES[module].read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _relative(module, node.level, node.module)
            elif node.module and node.module.split(".")[0] == "buddy_edu":
                base = node.module
            else:
                continue
            for alias in node.names:
                found |= _resolve(base, alias.name)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names
                      if alias.name.split(".")[0] == "buddy_edu"}
        elif isinstance(node, ast.Call) and _called_name(node.func) in DYNAMIC and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant) and isinstance(target.value, str) \
                    and target.value.startswith("."):
                level = len(target.value) - len(target.value.lstrip("."))
                found.add(_relative(module, level, target.value.lstrip(".") or None))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and MODULE_TEXT.fullmatch(node.value):
            found.add(node.value)
    return {name for name in found if name in MODULES and name != module}


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    modules = [name for name in MODULES if layer_of(name) == layer]
    assert len(modules) >= 3
    wrong = sorted(f"{name} imports {target}" for name in modules for target in GRAPH[name]
                   if layer_of(target) not in allowed)
    assert wrong == []


def test_no_module_imports_itself_round_a_circle():
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join(path[path.index(name):] + (name,))
        if name in done:
            return
        for other in sorted(GRAPH[name]):
            visit(other, path + (name,))
        done.add(name)

    for name in MODULES:
        visit(name, ())


def test_the_reader_sees_every_kind_of_import(monkeypatch):
    """The checks above are only as good as ``imports_of``: a planted module that reaches
    up in each of the ways a module can must be caught every time."""
    name = "buddy_edu.core._planted"
    monkeypatch.setitem(MODULES, name, PACKAGE / "core" / "_planted.py")
    source = (
        "from ..grading import batch\n"
        "def late():\n    import buddy_edu.cli\n"
        "def by_name():\n    from importlib import import_module\n"
        "    return import_module('buddy_edu.widget.stepper')\n"
        "TABLE = {'x': 'buddy_edu.exercises.registry'}\n"
        "def relative():\n    from importlib import import_module\n"
        "    return import_module('..render', __name__)\n"
    )
    assert imports_of(name, source) == {
        "buddy_edu.grading.batch", "buddy_edu.cli", "buddy_edu.widget.stepper",
        "buddy_edu.exercises.registry", "buddy_edu.render"}


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {str(path.relative_to(PACKAGE)): count for path in PACKAGE.rglob("*.py")
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(long) <= LONG_MODULES, long


def test_no_two_modules_share_a_file_name():
    names = Counter(path.name for path in PACKAGE.rglob("*.py")
                    if path.name not in ("__init__.py", "errors.py"))
    assert [name for name, count in names.items() if count > 1] == []
