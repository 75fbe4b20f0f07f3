# Two commands for a fresh machine: `make lab` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab slides test lint bench clean

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

bench: $(BIN)/python
	$(BIN)/python benchmarks/core.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
