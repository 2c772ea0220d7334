# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin

# Nothing phones home: no GX analytics, no dbt tracking, no Airflow examples.
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export SCARF_ANALYTICS := false
# Byte-compile on install: Airflow, dbt and pandas import much faster on every later run.
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test bench lint format airflow clean

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

env: $(VENV)/.synced

# Airflow lives in the project: metadata (SQLite), logs and the login under .airflow/.
AIRFLOW_HOME ?= $(CURDIR)/.airflow
# Rows of sample market exports the demo generates (the other sources scale with it).
DEMO_ROWS ?= 3000

# The whole pipeline through Airflow's DAGs (dag.test): sample exports in landing/ to the
# scorecard; prints where the warehouse, Data Docs and correction workbooks are.
demo: $(VENV)/.synced
	AIRFLOW_HOME=$(AIRFLOW_HOME) $(BIN)/python -m qcity.demo --rows $(DEMO_ROWS)

# `airflow standalone` (SQLite, LocalExecutor) with the qcity DAGs: UI on 127.0.0.1:8080
# (QCITY_AIRFLOW_HOST to listen elsewhere),
# user admin, the password printed at start-up. Ctrl-C stops it.
airflow: $(VENV)/.synced
	AIRFLOW_HOME=$(AIRFLOW_HOME) $(BIN)/python -m orchestration.local_airflow standalone

# The suite in parallel (pytest-xdist): one worker more than the cores, each test module a
# unit of work handed out slow modules first (tests/conftest.py orders them). The extra
# worker uses the time the others wait (Airflow's scheduler loops, a build shared through
# a lock, PostgreSQL): on 2 cores 849 s against 950 s with 2 workers, the same CPU time
# (benchmarks/README.md, "Test suite"). TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) + 1 )))
test: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: $(VENV)/.synced
	$(BIN)/python -m benchmarks.run $(ONLY)

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.synced
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf demo build warehouse/*.duckdb .pytest_cache
