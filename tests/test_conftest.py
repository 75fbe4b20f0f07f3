"""tests/conftest.py itself: a missing tool skips (or, when required, fails) its tests before
their fixtures run, the closing block names the fix, and the guard fails an unmarked test
that starts a kernel.

The checks run a small suite with this conftest in a separate pytest, on a PATH where no
system tool is found, so they give the same answer on a bare laptop and in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import starts_jupyter

HERE = Path(__file__).resolve().parent
# A harmless command that looks like a kernel launch to the guard.
FAKE_KERNEL = '[sys.executable, "-c", "pass", "ipykernel_launcher"]'
SUITE = f'''
import subprocess, sys
import pytest

def test_unmarked_starts_a_kernel():
    subprocess.run({FAKE_KERNEL})

def test_unmarked_starts_a_kernel_and_hides_the_error():
    try:
        subprocess.run({FAKE_KERNEL})
    except BaseException:
        pass

@pytest.mark.kernel
def test_marked_starts_a_kernel():
    subprocess.run({FAKE_KERNEL}, check=True)

def test_unmarked_runs_python():
    subprocess.run([sys.executable, "-c", "pass"], check=True)

@pytest.fixture(scope="module")
def batch():
    raise AssertionError("the module's batch ran for tests that cannot use it")

@pytest.mark.sandbox
def test_sandboxed(batch):
    pass

@pytest.mark.needs("dot")
def test_with_dot(batch):
    pass

@pytest.mark.needs("dot", "npm")
def test_with_dot_and_node(batch):
    pass

@pytest.mark.needs("firefox")
def test_in_firefox(batch):
    pass
'''


def run_suite(tmp_path: Path, **env: str) -> str:
    """Run SUITE with this conftest where no program is on PATH; its output."""
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ("conftest.py", "_jupyter.py", "_engines.py"):
        shutil.copy(HERE / name, tests / name)
    shutil.copy(HERE.parent / "pyproject.toml", tmp_path / "pyproject.toml")  # the markers
    (tests / "test_suite.py").write_text(SUITE)
    (tmp_path / "no-programs").mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BUDDY_EDU_REQUIRE")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-v"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**clean, "PATH": str(tmp_path / "no-programs"), **env})
    return done.stdout + done.stderr


def outcome(output: str, test: str) -> str:
    """PASSED, FAILED, SKIPPED or ERROR for ``test`` in pytest -v output."""
    return re.search(rf"::{test} (PASSED|FAILED|SKIPPED|ERROR)", output).group(1)


def test_missing_tools_skip_or_fail_before_fixtures_and_the_guard_fails_unmarked_kernels(
        tmp_path):
    out = run_suite(tmp_path, BUDDY_EDU_REQUIRE_SANDBOX="1")
    assert outcome(out, "test_unmarked_starts_a_kernel") == "FAILED", out
    assert outcome(out, "test_unmarked_starts_a_kernel_and_hides_the_error") == "FAILED", out
    assert "is not marked for it: mark it `kernel`" in out
    assert outcome(out, "test_marked_starts_a_kernel") == "PASSED", out
    assert outcome(out, "test_unmarked_runs_python") == "PASSED", out
    # Required (BUDDY_EDU_REQUIRE_SANDBOX=1): an error naming the variable and the tool.
    assert outcome(out, "test_sandboxed") == "ERROR", out
    assert "BUDDY_EDU_REQUIRE_SANDBOX=1 but bubblewrap cannot be used" in out
    # Not required: skipped with the tool's name.
    assert outcome(out, "test_with_dot") == "SKIPPED", out
    assert "needs Graphviz dot: dot not on PATH" in out
    assert "the module's batch ran" not in out
    # A test that needs two missing tools names both, and the block counts it under each,
    # so that one round of installing is enough.
    assert outcome(out, "test_with_dot_and_node") == "SKIPPED", out
    assert "needs Graphviz dot: dot not on PATH; Node.js and npm: node and npm not on PATH" in out
    block = out[out.index("tools missing here"):]
    assert "1 test FAILED" in block
    assert re.search(r"Graphviz dot: .*\n  2 tests skipped: test_suite.py", block), block
    assert re.search(r"Node.js and npm: .*\n  1 test skipped: test_suite.py", block), block
    # Each package once, though Firefox's tests need Node.js and npm too.
    assert "sudo apt-get install bubblewrap nodejs npm firefox-esr graphviz\n" in block
    assert "sudo dnf install bubblewrap nodejs npm firefox graphviz\n" in block
    assert "brew install node graphviz" in block and "bubblewrap is Linux-only" in block


def test_the_guard_knows_kernels_and_servers_from_other_commands():
    python = sys.executable
    for argv in ([python, "-m", "ipykernel_launcher", "-f", "k.json"],
                 ["bwrap", "--", python, "-c", "runpy.run_module('ipykernel_launcher')"],
                 [python, "-m", "jupyterlab", "--no-browser"],
                 [python, "-m", "voila", "n.ipynb"],
                 [python, "-m", "buddy_edu", "lab", "--dir", "x"],
                 ["/usr/bin/buddy-edu", "slides", "01"],
                 "jupyter lab --port 9000"):
        assert starts_jupyter(argv), argv
    for argv in ([python, "-m", "buddy_edu", "run", "script.txt"],
                 [python, "-c", "import buddy_edu"],
                 f"{python} -m buddy_edu run long.txt | head -n 2",
                 ["npm", "pack", "reveal.js@5.2.1"], ["dot", "-Tsvg"]):
        assert not starts_jupyter(argv), argv
