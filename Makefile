# Two commands for a fresh machine: `make lab` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab slides test test-fast lint bench clean lite lite-serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Opens JupyterLab on the lessons (notebooks/), starting with 00-start-here.
lab: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/buddy-edu lab

# Every lesson as a Reveal.js deck in build/slides/, with reveal.js beside them (npm fetches
# the pinned version once into build/npm/): copy the folder whole, present offline.
slides: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/buddy-edu slides --out build/slides

# buddy-edu with its test tools; installed again only when pyproject.toml changes (the
# install is editable, so code changes need no reinstall), which saves seconds a run.
TEST_TOOLS := $(VENV)/.test-tools
$(TEST_TOOLS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Every test.  A test whose system tool is missing here (bubblewrap, Graphviz, Chromium,
# Node.js) is skipped, and the block at the end says which and how to install them;
# BUDDY_EDU_REQUIRE_TOOLS=1 (set by .ci/run) fails those tests instead.
test: $(TEST_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The loop to run while working: every test that starts no kernel, sandbox or browser and
# is not marked slow (the markers: tests/conftest.py); under a minute on two cores.
FAST := not kernel and not sandbox and not browser and not lite and not slow
test-fast: $(TEST_TOOLS)
	$(BIN)/python -m pytest -m "$(FAST)"

lint: $(BIN)/python
	$(BIN)/ruff check .

# The zero-install course: a static JupyterLite site in build/lite, built from a clean
# folder with the tools, wheels and npm packages pinned in lite/ (needs Node.js and npm).
# `make lite COURSE=DIR` puts a course's released notebooks in place of the practice ones.
lite:
	$(PYTHON) lite/build.py build $(if $(COURSE),--course $(COURSE))

# Builds the site afresh and serves it on http://127.0.0.1:$(LITE_PORT)/ for a try-out.
LITE_PORT ?= 8000
lite-serve: lite
	$(PYTHON) lite/build.py serve --port $(LITE_PORT)

bench: $(BIN)/python
	$(BIN)/python benchmarks/core.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
