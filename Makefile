# Each target sets up .venv itself, so every one is a single command on a fresh machine
# with only Python 3.10+ installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=
PYTEST_ARGS ?=

.PHONY: install run test lab lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Run the whole workbook headless on the default (local) target.
run: $(STAMP)
	$(BIN)/sparkify run $(ARGS)

## Run the test suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## JupyterLab with the local AWS emulator up and seeded (SOURCE=DIR for your own data;
## stopped when Lab exits).
SOURCE ?=
lab: $(STAMP)
	$(BIN)/sparkify emulator start $(if $(SOURCE),--source $(SOURCE))
	$(BIN)/jupyter lab --notebook-dir=notebooks; status=$$?; $(BIN)/sparkify emulator stop; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py $(ARGS)

clean:
	rm -rf .sparkify runs .pytest_cache .ruff_cache
