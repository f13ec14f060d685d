# Two-command quick start: `make demo` and `make test`. Everything runs in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint bench docs wheel clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP_RUN) $@

demo: $(STAMP_RUN)
	$(BIN)/segregation demo --out out/demo

lint: $(STAMP_TEST)
	$(BIN)/ruff check segregation tests benchmarks examples boundaries
	$(BIN)/ruff format --check segregation tests benchmarks examples boundaries

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/run.py --out benchmarks/results

docs: $(STAMP_TEST)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir out/site

wheel: $(STAMP_TEST)
	$(BIN)/python -m build --wheel --outdir dist

clean:
	rm -rf out dist build .pytest_cache
