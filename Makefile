# Two commands for a fresh machine: `make lab` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Opens JupyterLab on the lessons (notebooks/), starting with 00-start-here.
lab: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/buddy-edu lab

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
