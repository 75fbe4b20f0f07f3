# Two commands for a fresh machine: `make lab` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab slides test lint bench clean lite lite-serve

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

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

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
