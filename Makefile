# Webbscope. `make test` and `make up` bootstrap everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: help bootstrap system wiredb lint format test test-unit test-integration up bench docs clean

help:
	@echo "make up     run the whole system locally without Docker (prints 'ready')"
	@echo "make test   lint and every test suite"
	@echo "make bench  benchmarks under bench/"
	@echo "make docs   build the documentation site into site/"

$(VENV)/.installed: requirements/dev.lock pyproject.toml scripts/install-python.sh
	scripts/install-python.sh requirements/dev.lock --editable
	@touch $@

system:
	@scripts/install-system.sh

wiredb: $(VENV)/.installed
	@scripts/build-wiredb.sh

bootstrap: system $(VENV)/.installed wiredb

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

test: bootstrap lint
	$(PY) -m pytest tests

test-unit: bootstrap
	$(PY) -m pytest tests/unit

test-integration: bootstrap
	$(PY) -m pytest tests -m integration

up: bootstrap
	$(VENV)/bin/webbscope up

bench: bootstrap
	$(PY) -m bench

docs: $(VENV)/.installed
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache site
