# lambent — developer commands. Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo
BENCH_STAMP := $(VENV)/.installed-bench
LINTED := $(wildcard framework tests examples benchmarks)

.PHONY: venv test lint typecheck pytest demo bench bench-quick clean cli-docs readme-sources

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the demo installs only what it runs; `make test` (the dev extra) adds the rest
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[demo]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

## make test: lint, strict type check, and the whole test suite
test: lint typecheck pytest

## make demo: run the example order service locally on real-shaped events
demo: $(DEMO_STAMP)
	$(BIN)/python -m examples.demo

## make cli-docs: rewrite docs/cli.md from the command's parsers (a test checks it)
cli-docs: $(STAMP)
	$(BIN)/python -m lambent._cli.reference > docs/cli.md

## make readme-sources: rewrite the README's table of sources from the registry (a test checks it)
readme-sources: $(STAMP)
	$(BIN)/python -m lambent._cli.sources_table README.md

## make bench: the full run; rewrites the committed benchmarks/RESULTS.md and ratios.png
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

## make bench-quick: small sizes, written to benchmarks/out/ (ignored by git)
bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks --quick --out benchmarks/out/RESULTS.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis dist build
