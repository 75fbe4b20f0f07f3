"""The package's layers import only the layers below them (the brief's architecture).

core < render < widget < exercises < grading < cli: a widget that imported the
exercises, say, would drag student-answer code into every Stepper and make the
layers impossible to test or ship apart.  Read from the source with ``ast``, so
an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "buddy_edu"
LAYERS = ["core", "render", "widget", "exercises", "grading", "cli"]


def imported_layers(path: pathlib.Path, layer: str) -> set[str]:
    """The buddy_edu subpackages a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level >= 2 and node.module:  # from ..render import x
                found.add(node.module.split(".")[0])
            elif node.level >= 2:  # from .. import render
                found.update(alias.name for alias in node.names)
            elif node.level == 1:
                found.add(layer)
            elif node.module and node.module.startswith("buddy_edu."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("buddy_edu."))
    return found & set(LAYERS)


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    modules = sorted((PACKAGE / layer).glob("*.py"))
    assert modules
    wrong = {f"{path.name} imports {sorted(imported_layers(path, layer) - allowed)}"
             for path in modules if imported_layers(path, layer) - allowed}
    assert wrong == set()
