# The README's two commands:
#   make run    set up, generate the demo extract, validate it, load it (receivables-load),
#               dbt build, summary, dashboard (reports/dashboard.html)
#   make test   set up and pass the whole test suite (what CI runs)
# Point the project at your own extract with AR_EXTRACT_DIR=/path/to/folder.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

DEMO_EXTRACT := data/demo_extract
export AR_EXTRACT_DIR ?= $(DEMO_EXTRACT)
export AR_DUCKDB_PATH ?= data/rpm.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False

.PHONY: setup run run-postgres postgres-stop run-spark run-spark-cluster spark-cluster-stop test test-engines lint unit integration fuzz demo-extract bench clean

$(INSTALLED): requirements.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -e python
	touch $(INSTALLED)

setup: $(INSTALLED)

# The demo extract is generated once (deterministic: seed 42); delete
# data/demo_extract or run `make demo-extract` to make it again.
demo-extract: setup
	$(BIN)/receivables-generate --out $(DEMO_EXTRACT)

$(DEMO_EXTRACT)/_manifest/generation.json: | $(INSTALLED)
	$(BIN)/receivables-generate --out $(DEMO_EXTRACT)

run: setup $(if $(filter $(DEMO_EXTRACT),$(AR_EXTRACT_DIR)),$(DEMO_EXTRACT)/_manifest/generation.json)
	$(BIN)/receivables-validate --extract "$(AR_EXTRACT_DIR)" --out reports
	$(BIN)/receivables-load
	$(BIN)/dbt build; status=$$?; echo; $(BIN)/receivables-summary; \
	  $(BIN)/receivables-dashboard --database "$(AR_DUCKDB_PATH)" --out reports; \
	  $(BIN)/dbt docs generate --quiet && echo "dbt docs: $(CURDIR)/target/index.html (serve with: .venv/bin/dbt docs serve)"; \
	  exit $$status

# The same build on a throwaway PostgreSQL 15 cluster on 127.0.0.1 (installed
# with apt when missing; credentials generated outside the repository):
# scripts/postgres_cluster.sh env prints how to connect.
run-postgres: setup $(if $(filter $(DEMO_EXTRACT),$(AR_EXTRACT_DIR)),$(DEMO_EXTRACT)/_manifest/generation.json)
	scripts/postgres_cluster.sh start
	eval "$$(scripts/postgres_cluster.sh env)" && \
	  export RPM_TARGET=postgres && $(BIN)/receivables-load && \
	  $(BIN)/dbt build --target-path target/postgres && \
	  $(BIN)/receivables-dashboard --postgres --out reports/postgres

postgres-stop:
	scripts/postgres_cluster.sh stop

# The same build on a local Spark inside the dbt process (dbt-spark session
# mode; Java installed with apt when missing). Tables are Parquet under
# data/spark; docs/spark.md points the project at a cluster or Databricks.
run-spark: setup $(if $(filter $(DEMO_EXTRACT),$(AR_EXTRACT_DIR)),$(DEMO_EXTRACT)/_manifest/generation.json)
	scripts/install_java.sh
	RPM_TARGET=spark $(BIN)/receivables-load
	RPM_TARGET=spark $(BIN)/dbt build --target-path target/spark

# The same build on a local Spark standalone cluster (a master, two workers,
# the Spark Thrift server; scripts/spark_cluster.sh), target spark_cluster
# (dbt-spark method thrift): docs/spark.md.
run-spark-cluster: setup $(if $(filter $(DEMO_EXTRACT),$(AR_EXTRACT_DIR)),$(DEMO_EXTRACT)/_manifest/generation.json)
	scripts/spark_cluster.sh start
	eval "$$(scripts/spark_cluster.sh env)" && export RPM_TARGET=spark_cluster && \
	  $(BIN)/receivables-load && $(BIN)/dbt build --target-path target/spark_cluster

spark-cluster-stop:
	scripts/spark_cluster.sh stop

lint: setup
	$(BIN)/ruff check python models bench
	$(BIN)/ruff format --check python models bench
	AR_DUCKDB_PATH=target/lint.duckdb $(BIN)/sqlfluff lint models tests analyses
	AR_DUCKDB_PATH=target/lint.duckdb $(BIN)/dbt parse --quiet && $(BIN)/receivables-check-project

unit: setup
	$(BIN)/pytest python/tests -m "not integration" -q

integration: setup
	$(BIN)/pytest python/tests -m integration -q $(XDIST)

# Randomized ledgers beyond the test command's fixed seeds: seeds 1..N (each
# about a minute: two builds). A failing seed reproduces with
# RPM_FUZZ_SEEDS=<seed> .venv/bin/pytest python/tests/integration/test_random_ledgers.py
N ?= 20
fuzz: setup
	RPM_FUZZ_SEEDS=$$(seq -s, 1 $(N)) $(BIN)/pytest python/tests/integration/test_random_ledgers.py -q

# Two pytest-xdist workers (the machine's two cores): tests that share a
# costly build or a server run on one worker (python/tests/conftest.py).
# The test command (CI) builds on DuckDB; the Postgres and Spark builds
# (about 25 and 35 minutes on two busy cores) run with `make test-engines`.
XDIST = -n 2 --dist loadgroup --no-loadscope-reorder
test: setup lint
	$(BIN)/pytest python/tests -q $(XDIST) -m "not postgres and not spark" --durations=25

test-engines: setup
	$(BIN)/pytest python/tests -q $(XDIST) -m "postgres or spark" --durations=25

# Benchmarks (about two hours on 2 cores): generator at 100k, 1M and 10M
# invoices; DuckDB builds (full, per layer, then incremental after one more
# day) at the same sizes; Postgres at 100k and 1M, local Spark at 100k
# (larger sizes do not fit this machine's time for them: docs/benchmarks.md). Results: bench/results/
# and the tables printed at the end (copied into docs/benchmarks.md).
bench: setup
	$(BIN)/python bench/run_benchmarks.py generator --invoices 100000 1000000 10000000
	$(BIN)/python bench/run_benchmarks.py build --invoices 100000 1000000 10000000
	$(BIN)/python bench/run_benchmarks.py compare --invoices 1000000 10000000
	$(BIN)/python bench/run_benchmarks.py postgres --invoices 100000 1000000
	$(BIN)/python bench/run_benchmarks.py spark --invoices 100000
	$(BIN)/python bench/render_results.py

clean:
	rm -rf target logs data reports
