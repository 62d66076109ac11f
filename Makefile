# Upskill — every target installs what it needs first (into .venv) and can run on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint fmt migrate chart-check image-check soak bench bench-smoke clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,embedded]'
	rm -f $(VENV)/.installed-* && touch $@

## Serve the API on UPSKILL_HOST:UPSKILL_PORT (127.0.0.1:8000); embedded PostgreSQL unless UPSKILL_DATABASE_URL is set.
run: install
	$(BIN)/upskill serve

## Run every test suite (PostgreSQL: UPSKILL_TEST_DATABASE_URL, else Docker, else embedded).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src adapters
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Apply database migrations (embedded PostgreSQL unless UPSKILL_DATABASE_URL is set).
migrate: install
	$(BIN)/upskill migrate

## Check the Dockerfile and the Helm chart (lint, render, Kubernetes schemas, values schema); no cluster needed.
chart-check: install
	bash deploy/chart-check.sh

## Build deploy/Dockerfile with podman on a debootstrapped Debian base, run it as its non-root user
## (chroot) against a fresh database, smoke-test it and report its size. Root; skips without podman/debootstrap.
image-check: install
	bash deploy/image-check.sh

## Soak: mixed load on one served worker for SOAK_SECONDS (default 300) on UPSKILL_TEST_DATABASE_URL;
## fails on any 5xx/error or RSS growth >= 10 % after warm-up. (The test suite runs a 25 s version.)
soak: install
	$(BIN)/python -m tests.reliability.soak --seconds $(or $(SOAK_SECONDS),300)

## Benchmark Upskill against a bare FastAPI + asyncpg floor under wrk (~15 min); writes bench/results/latest.md.
bench: install
	$(BIN)/python -m bench.run

## The same harness on tiny data in about a minute; fails only when the harness breaks (CI).
bench-smoke: install
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
