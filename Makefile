# newsbeam: `make run` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WAREHOUSE ?= warehouse
SEEDS := 'seeds/articles/*'

.PHONY: run test test-fast runners measure-streaming bench eval install lock clean

PIP := $(BIN)/python -m pip --disable-pip-version-check
# (Re)install when the lock or the package metadata change; the venv is created when missing.
# The lock is installed exactly as written: --no-deps keeps pip's resolver out of it, so a new
# upstream release (reached through an extra such as smart-open[http]) can never be picked up,
# and `pip check` then proves that the locked set is complete and consistent.
$(INSTALLED): requirements.lock setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	touch $(INSTALLED)

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/newsbeam run --input $(SEEDS) --output $(WAREHOUSE)

test: $(INSTALLED)
	$(BIN)/python -m pytest -q

# Without the runner tests (Prism, Flink, Kafka, REST catalog, Spark, Dataflow dry run).
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -q --ignore=tests/runners

# The pinned runner components, fetched/built once into newsbeam's cache ($$NEWSBEAM_CACHE, else
# $$XDG_CACHE_HOME/newsbeam, else ~/.cache/newsbeam): the Kafka IO expansion service and Prism (which
# `newsbeam` would fetch itself when first needed) and the test-only Kafka broker, Flink job server,
# Iceberg REST catalog and Spark (pyspark in a venv of its own plus Iceberg's Spark runtime).
runners:
	$(PYTHON) -m tests.services fetch

# Streaming throughput and publish-to-visible latency on a local Kafka (Prism).
measure-streaming: $(INSTALLED)
	$(BIN)/python scripts/measure_streaming.py --runner prism

# Every score.py metric on every corpus present under ../shared/corpora (skips cleanly when absent).
eval: $(INSTALLED)
	$(BIN)/python scripts/evaluate.py --json eval.json

# Throughput, scaling, peak memory and Beam's overhead against spaCy alone on ../shared/corpora/tehran_times
# (skips cleanly when absent), plus a per-stage profile, into docs/bench/.  N = 1,000 and 10,000 with 1 and 2
# workers takes well over an hour on 2 cores; `make bench BENCH_ARGS=--quick` measures N = 1,000 only.
BENCH_ARGS ?=
bench: $(INSTALLED)
	$(BIN)/python -m scripts.bench --profile $(BENCH_ARGS)

# Re-resolve requirements.in into requirements.lock (exact versions and sha256 of every file).
lock:
	$(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		-o requirements.lock requirements.in

clean:
	rm -rf $(WAREHOUSE) .pytest_cache
