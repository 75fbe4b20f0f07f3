"""The exercises are a layer below the grader: importing them never loads buddy_edu.grading.

A student's notebook imports buddy_edu.exercises; it needs nothing of the
batch grader (nbclient, ZeroMQ, the sandbox), and the grader's code must not
be reachable from there by accident.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

EXERCISES = pathlib.Path(__file__).parents[1] / "buddy_edu" / "exercises"
MODULES = sorted(f"buddy_edu.exercises.{p.stem}" for p in EXERCISES.glob("*.py")
                 if p.stem != "__init__")


def test_no_exercises_module_has_an_import_statement_of_the_grader():
    statement = re.compile(r"^\s*(?:from\s+(?:\.\.|buddy_edu\.)grading\b|import\s+buddy_edu"
                           r"\.grading\b|from\s+buddy_edu\s+import\s+.*\bgrading\b)")
    found = [f"{path.name}: {line.strip()}" for path in sorted(EXERCISES.glob("*.py"))
             for line in path.read_text(encoding="utf-8").splitlines()
             if statement.match(line)]
    assert found == []


def test_importing_the_exercises_and_each_module_loads_no_grading_module():
    assert len(MODULES) >= 5  # the glob found the package
    code = (
        "import importlib, sys\n"
        f"for name in {['buddy_edu.exercises', *MODULES]!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('buddy_edu.grading')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_lazy_alias_still_reaches_the_grader():
    code = ("import sys, buddy_edu.exercises as E\n"
            "before = 'buddy_edu.grading' in sys.modules\n"
            "print(before, E.grade.__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "buddy_edu.grading.batch"]
