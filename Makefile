# Each target sets up .venv itself, so every one is a single command on a fresh machine
# with only Python 3.10+ installed. `make` alone prints the targets (`make help`).
# A target documents itself with a `## ` line right above it; `make help` prints those lines.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lab lint format bench bench-incremental clean

## Show this list of targets.
help:
	@awk '/^## / { doc = (doc ? doc " " : "") substr($$0, 4); next } \
	     /^[a-zA-Z][a-zA-Z0-9_-]*:/ && doc { split($$0, t, ":"); printf "  %-10s %s\n", t[1], doc } \
	     { doc = "" }' $(MAKEFILE_LIST)
	@echo "Variables: ARGS (run, bench), INCREMENTAL_ARGS (bench, bench-incremental), PYTEST_ARGS (test, test-fast), SOURCE and LAB_ARGS (lab), PYTHON."

# pip's output goes to .venv/install.log: shown whole when the install fails, and only its
# ERROR lines (such as dependency conflicts) when it succeeds.
INSTALL_LOG := $(VENV)/install.log
$(STAMP): pyproject.toml
	@if test -x $(BIN)/python; then echo "updating $(VENV) (its install is missing or older than pyproject.toml)"; \
	else echo "setting up $(VENV) (first time only, about 2 minutes)" && $(PYTHON) -m venv $(VENV); fi
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
	    > $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); echo "install failed (log: $(INSTALL_LOG))"; exit 1; }
	@grep '^ERROR' $(INSTALL_LOG) || true
	@touch $(STAMP)

## Create .venv and install the package with its [dev] extra (every target does this first).
install: $(STAMP)

## Run the whole workbook headless on the default (local) target (ARGS="--source DIR ...").
run: $(STAMP)
	$(BIN)/sparkify run $(ARGS)

## Run the whole test suite, notebook runs included (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run the test suite without the notebook runs (-m "not notebooks"): the inner loop.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not notebooks" $(PYTEST_ARGS)

SOURCE ?=
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)  # Lab refuses root without it
## JupyterLab on the project with the local AWS emulator up and seeded (SOURCE=DIR for your own
## data, LAB_ARGS="--no-browser --port 8890" for Lab's options; stopped when Lab exits).
lab: $(STAMP)
	$(BIN)/sparkify emulator start $(if $(SOURCE),--source $(SOURCE))
	@trap '$(BIN)/sparkify emulator stop' EXIT INT TERM; \
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(ROOT_FLAG) $(LAB_ARGS)

## Check the code, the notebooks (committed without outputs) and sql/ (sqlfluff, Redshift).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb tests/fixtures/notebooks/*.ipynb
	$(BIN)/sqlfluff lint sql/
	$(BIN)/lint-imports
	$(BIN)/mypy

## Fix what can be fixed: ruff's fixes and formatting, notebook outputs stripped.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb tests/fixtures/notebooks/*.ipynb

## Run the scale benchmark (ARGS are passed to benchmarks/bench_load.py), then the incremental one.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py $(ARGS)
	$(BIN)/python benchmarks/bench_incremental.py $(INCREMENTAL_ARGS)

## One more day vs the day alone vs a full reload (INCREMENTAL_ARGS, e.g. --events 10000000).
bench-incremental: $(STAMP)
	$(BIN)/python benchmarks/bench_incremental.py $(INCREMENTAL_ARGS)

## Remove local state and caches (.sparkify, runs, test and lint caches); .venv stays.
clean:
	rm -rf .sparkify runs .pytest_cache .ruff_cache
