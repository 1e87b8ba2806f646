# newsbeam: `make run` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WAREHOUSE ?= warehouse
SEEDS := 'seeds/articles/*'

.PHONY: run test eval install lock clean

# (Re)install when the lock or the package metadata change; the venv is created when missing.
$(INSTALLED): requirements.lock setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(INSTALLED)

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/newsbeam run --input $(SEEDS) --output $(WAREHOUSE)

test: $(INSTALLED)
	$(BIN)/python -m pytest -q

# Every score.py metric on every corpus present under ../shared/corpora (skips cleanly when absent).
eval: $(INSTALLED)
	$(BIN)/python scripts/evaluate.py --json eval.json

# Re-resolve requirements.in into requirements.lock (exact versions and sha256 of every file).
lock:
	$(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		-o requirements.lock requirements.in

clean:
	rm -rf $(WAREHOUSE) .pytest_cache
