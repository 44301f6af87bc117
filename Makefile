# Webbscope. `make test` and `make up` bootstrap everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/public frontend/vite.config.ts frontend/tsconfig.json -type f 2>/dev/null)

.PHONY: help bootstrap system wiredb kustomize lint format test test-unit test-integration test-frontend up bench docs clean

help:
	@echo "make up     run the whole system locally without Docker (prints 'ready')"
	@echo "make test   lint and every test suite"
	@echo "make bench  benchmarks under bench/"
	@echo "make docs   build the documentation site into site/"

$(VENV)/.installed: requirements/dev.lock pyproject.toml scripts/install-python.sh
	scripts/install-python.sh requirements/dev.lock --editable
	@touch $@

# Debian packages only the tests need (browser, nginx, prometheus, wrk, shellcheck). `make up`
# does not ask for them: without root this names what is missing and how to install it.
system:
	@scripts/install-system.sh

# Go tools, each cached under a hash of all its sources (scripts/build-go-tool.sh).
wiredb: $(VENV)/.installed
	@scripts/build-go-tool.sh wiredb

kustomize: $(VENV)/.installed
	@scripts/build-go-tool.sh kustomize

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build

bootstrap: system $(VENV)/.installed wiredb kustomize frontend/node_modules/.installed

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir .cache/site

format: $(VENV)/.installed
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

test: bootstrap lint
	$(PY) -m pytest tests
	$(MAKE) test-frontend

test-frontend: bootstrap
	cd frontend && npm run typecheck && npm test
	cd frontend && npm run test:e2e

test-unit: bootstrap
	$(PY) -m pytest tests/unit

test-integration: bootstrap
	$(PY) -m pytest tests -m integration

# Only what running needs, and no root: the Python environment, the built frontend, and the
# development database when no MONGODB_URI is configured (environment or .env).
up: $(VENV)/.installed frontend/dist/index.html
	@if [ -z "$${MONGODB_URI:-}" ] && ! grep -qsE '^[[:space:]]*MONGODB_URI=[^[:space:]]' .env; then \
		scripts/build-go-tool.sh wiredb; fi
	$(VENV)/bin/webbscope up

bench: bootstrap
	$(PY) -m bench

docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache site
