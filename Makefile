# The whole app from a fresh clone: `make run` serves it, `make test` checks all of it.
# Every target sets up what it needs and skips what is already up to date.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
export NEXT_TELEMETRY_DISABLED := 1

BACKEND := backend
FRONTEND := frontend
VENV := $(BACKEND)/.venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip install --quiet --disable-pip-version-check -c $(BACKEND)/constraints.txt
FRONTEND_SOURCES := $(shell find $(FRONTEND)/pages $(FRONTEND)/components $(FRONTEND)/lib $(FRONTEND)/styles $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/next.config.* $(FRONTEND)/tsconfig.json)

.PHONY: run dev test lint backend-test backend-test-sqlite backend-test-postgresql backend-test-mariadb test-ws-latest seed-steps frontend-test e2e bench bench-quick clean

# --- set-up ----------------------------------------------------------------------------------

$(VENV)/.runtime: $(BACKEND)/requirements.txt $(BACKEND)/constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r $(BACKEND)/requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime $(BACKEND)/requirements-dev.txt
	$(PIP) -r $(BACKEND)/requirements-dev.txt
	@touch $@

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error

$(FRONTEND)/out/index.html: $(FRONTEND)/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build
	@touch $@

# --- everyday commands -------------------------------------------------------------------------

run: $(VENV)/.runtime $(FRONTEND)/out/index.html  ## migrate, then serve the whole app on http://$(HOST):$(PORT)
	cd $(BACKEND) && HOST=$(HOST) PORT=$(PORT) .venv/bin/python -m app.server

dev: $(VENV)/.dev $(FRONTEND)/node_modules/.package-lock.json  ## backend with reload + next dev on :3000
	cd $(BACKEND) && .venv/bin/python -c 'from app.server import migrate; from app.config import get_settings; migrate(get_settings())'
	trap 'kill 0' EXIT; \
	(cd $(BACKEND) && .venv/bin/uvicorn app.main:create_app --factory --reload --host $(HOST) --port $(PORT)) & \
	(cd $(FRONTEND) && npm run dev) & \
	wait

lint: $(VENV)/.dev  ## ruff and mypy
	cd $(BACKEND) && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

test: lint backend-test test-ws-latest seed-steps frontend-test e2e bench-quick  ## everything (bench-quick: a smoke check, no timing asserted)

backend-test: backend-test-sqlite backend-test-postgresql backend-test-mariadb

# Two processes in parallel, then the `solo` tests (pyproject.toml) alone: they put the server under
# load of their own and time its answers, which tests running beside them would distort.
BACKEND_TESTS := .venv/bin/pytest -q -n 2 -m "not solo" && .venv/bin/pytest -q -m solo

backend-test-sqlite: $(VENV)/.dev
	cd $(BACKEND) && export TEST_DATABASE=sqlite && $(BACKEND_TESTS)

# PostgreSQL, MariaDB and Redis run on every machine of this project; .ci/run makes sure they
# are up (and that MariaDB has the Mroonga engine search uses).
backend-test-postgresql: $(VENV)/.dev
	cd $(BACKEND) && export TEST_DATABASE=postgresql && $(BACKEND_TESTS)

backend-test-mariadb: $(VENV)/.dev
	cd $(BACKEND) && export TEST_DATABASE=mariadb && $(BACKEND_TESTS)

# app/server_internals.py reaches into uvicorn, websockets and httptools as pinned; with other
# versions the server takes their public paths. This runs the WebSocket tests in a throwaway venv
# with the pinned requirements but the newest of those three, so that an upgrade that breaks (or
# turns off) a fast path shows at once.
WS_TESTS := tests/test_ws*.py tests/test_user_socket.py tests/test_server_internals.py
test-ws-latest:  ## the WebSocket tests on the newest uvicorn, websockets and httptools
	@set -euo pipefail; \
	scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(PYTHON) -m venv "$$scratch/venv"; \
	pip="$$scratch/venv/bin/python -m pip install --quiet --disable-pip-version-check"; \
	$$pip -c $(BACKEND)/constraints.txt -r $(BACKEND)/requirements-dev.txt; \
	$$pip --upgrade uvicorn websockets httptools; \
	cd $(BACKEND); \
	"$$scratch/venv/bin/python" -c 'import importlib.metadata as m, app.server_internals as s; \
	  print("test-ws-latest:", ", ".join(f"{p} {m.version(p)} (pinned {v})" for p, v in s.CHECKED.items()))'; \
	TEST_DATABASE=sqlite "$$scratch/venv/bin/python" -m pytest -q $(WS_TESTS)

seed-steps:  ## the backend's set-up typed by hand (venv, pip, alembic, uvicorn --reload) in a fresh copy
	bash scripts/check-seed-steps.sh

frontend-test: $(VENV)/.runtime $(FRONTEND)/node_modules/.package-lock.json
	cd $(FRONTEND) && npm test

e2e: $(VENV)/.runtime $(FRONTEND)/out/index.html
	@test -x /usr/bin/chromium || { echo "e2e: /usr/bin/chromium is missing: apt-get install -y chromium"; exit 1; }
	cd $(FRONTEND) && { npm run test:e2e || { node scripts/e2e-failures.mjs; exit 1; }; }

bench: $(VENV)/.dev  ## the benchmarks (about 25 minutes: `history` loads a million messages into three databases)
	$(VPY) bench/run.py

bench-quick: $(VENV)/.dev  ## a short smoke run of every benchmark scenario
	$(VPY) bench/run.py --quick

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/out $(FRONTEND)/.next
