# Upskill — every target installs what it needs first (into .venv) and can run on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint fmt migrate chart-check image-check soak bench bench-smoke clean openapi openapi-lint client-check node-install

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
	$(BIN)/mypy src adapters bench
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory openapi-lint

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

## Benchmark Upskill against two FastAPI + asyncpg floors (tuned, naive) under wrk, then the team views with
## 5x the assessment history (~30 min; ~3 min more once to seed that database); writes bench/results/latest.md.
bench: install
	$(BIN)/python -m bench.run

## The same harness on tiny data in about two minutes; fails only when the harness breaks (CI).
bench-smoke: install
	$(BIN)/python -m bench.run --smoke

## The TypeScript client's tools (Redocly, openapi-typescript, tsc, Optic), from its lockfile.
CLIENT     := clients/typescript
CLIENT_OUT := $(CLIENT)/build
NPM_STAMP  := $(CLIENT)/node_modules/.installed-$(shell cksum $(CLIENT)/package-lock.json | cut -d' ' -f1)
NO_NODE    := echo "== skipped: node and npm are not installed (apt-get install nodejs npm; .ci/run does)"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true OPTIC_TELEMETRY=off

node-install: $(NPM_STAMP)

$(NPM_STAMP): $(CLIENT)/package-lock.json
	cd $(CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Regenerate the committed OpenAPI document and the client's types from the app (after any API change).
openapi: install
	$(BIN)/upskill openapi --output $(CLIENT)/openapi.json
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node-install && \
	  cd $(CLIENT) && npx openapi-typescript openapi.json --output src/schema.d.ts; else $(NO_NODE); fi

## Lint the document the app serves with Redocly's recommended rules (no error, no warning).
openapi-lint: install
	@if ! command -v npm >/dev/null 2>&1; then $(NO_NODE); exit 0; fi; \
	set -e; $(MAKE) --no-print-directory node-install; mkdir -p $(CLIENT_OUT); \
	$(BIN)/upskill openapi --output $(CLIENT_OUT)/openapi.served.json; \
	cd $(CLIENT) && npx redocly lint build/openapi.served.json --max-problems 1000 --format stylish >build/redocly.log 2>&1 \
	  || { cat build/redocly.log; echo "== redocly lint: errors"; exit 1; }; \
	if grep -vi deprecation build/redocly.log | grep -qiE '[0-9]+ (problems?|warnings?|errors?)'; then \
	  cat build/redocly.log; echo "== redocly lint: warnings"; exit 1; fi; \
	grep -q 'Your API description is valid' build/redocly.log; echo "== redocly lint: no error, no warning (recommended rules)"

## The client: committed document and types = what the app serves, `tsc --strict`, its tests, breaking changes
## against the previous release's document (clients/typescript/openapi.previous.json).
client-check: install
	@if ! command -v npm >/dev/null 2>&1; then $(NO_NODE); exit 0; fi; \
	set -e; $(MAKE) --no-print-directory node-install; mkdir -p $(CLIENT_OUT); \
	$(BIN)/upskill openapi --output $(CLIENT_OUT)/openapi.served.json; \
	cd $(CLIENT); \
	diff -u openapi.json build/openapi.served.json >/dev/null || { diff -u openapi.json build/openapi.served.json | head -40; \
	  echo "== $(CLIENT)/openapi.json is not what the app serves: run 'make openapi' and commit"; exit 1; }; \
	npx openapi-typescript openapi.json --output build/schema.d.ts --silent; \
	diff -q src/schema.d.ts build/schema.d.ts >/dev/null || { echo "== src/schema.d.ts is stale: run 'make openapi' and commit"; exit 1; }; \
	npx tsc --strict -p tsconfig.json && echo "== tsc --strict: the client, its example and tests compile"; \
	node --test build/test/; \
	bash check-breaking.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
