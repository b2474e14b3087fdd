# Gatepost developer tasks. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Tests run on every core (pytest-xdist); each worker gets its own databases and ports. The
# slowest twenty are listed at the end, so CI shows where its time goes.
PYTEST_ARGS ?= -n auto --durations=20

.DEFAULT_GOAL := help

.PHONY: help run install install-test wheel test test-sqlite lint typecheck format check bench kill-loop load clean

help: ## List the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python ## Install Gatepost and its front-end assets into .venv
	$(BIN)/pip install -q -e .
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi

install-test: $(BIN)/python ## Install Gatepost with test and dev tools into .venv
	$(BIN)/pip install -q -e '.[test,dev]'
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi

wheel: $(BIN)/python ## Build dist/gatepost-*.whl, GOV.UK Frontend's compiled files inside (runs npm ci if needed)
	$(BIN)/python -m pip wheel -q --no-deps -w dist .
	@# The build's leftovers: an egg-info here would be read as Gatepost's metadata by tests run here.
	rm -rf build gatepost.egg-info

run: install ## Install, then start Gatepost with demo data on the embedded SQLite database
	$(BIN)/gatepost serve --demo

test: install-test ## Install test dependencies, then run every test (SQLite and PostgreSQL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: install-test ## Run every test on SQLite only
	$(BIN)/python -m pytest --db sqlite $(PYTEST_ARGS)

# Installs the tools only when .venv has none; after changing setup.cfg, run `make install-test`.
$(BIN)/mypy: | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,dev]'

lint: | $(BIN)/mypy ## Check style with ruff and types with mypy (strict on scheduler/ and web/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: ## Reformat with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: | $(BIN)/mypy ## Type-check only (mypy strict on scheduler/ and web/)
	$(BIN)/mypy

check: lint test ## Everything CI checks

bench: install-test ## Run the benchmarks (see docs/performance.md)
	$(BIN)/python -m bench

kill-loop: install-test ## Kill a worker 200 times in a long burst, checking exactly-once (KILLS=, POSTS=, DB=)
	$(BIN)/python -m tests.faults.kill_loop --kills $(or $(KILLS),200) --posts $(or $(POSTS),20000) $(if $(DB),--db $(DB))

load: install-test ## 50 people browse and edit the same posts for 60 s while the worker drains (USERS=, SECONDS=, DB=)
	$(BIN)/python -m tests.faults.load --users $(or $(USERS),50) --seconds $(or $(SECONDS),60) $(if $(DB),--db $(DB))

clean: ## Remove the virtualenv, caches and node_modules (keeps instance/)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
