# evroam: `make run` starts the whole platform on this machine; `make test` runs every test.
# Needs only Python 3.11 and make: uv is bootstrapped into .tools/ when it is not installed.

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION ?= 0.13.8
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
PYTEST_ARGS ?=

.PHONY: help setup run demo test test-containers test-fast lint typecheck schemas bench compose-up k8s-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.tools/bin/uv:
	@echo "==> bootstrapping uv $(UV_VERSION) into .tools/ (no uv on PATH)"
	@$(PYTHON) -m venv .tools
	@.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml infra/devstack/pyproject.toml cli/pyproject.toml) | $(UV)
	@echo "==> installing the workspace into .venv (uv sync, with bytecode: service start-up imports a lot)"
	@$(UV) sync --frozen --all-packages --compile-bytecode
	@touch $@

setup: .venv/.synced ## create .venv with every workspace member and the dev tools

run: setup ## start broker, PostgreSQL and all seven services here (Ctrl-C stops them)
	@$(RUN) evroam-devstack up

demo: setup ## against a running `make run`: provision, play a charging session, show the results
	@$(RUN) evroam demo

test: setup lint typecheck ## lint, typecheck and the whole test suite on real infrastructure
	@$(RUN) pytest $(PYTEST_ARGS)

test-containers: setup ## the full flow with every service in a container (starts a Docker engine if none; root)
	@bash infra/containers/containers.sh ci $(PYTEST_ARGS)

test-fast: setup ## unit and contract tests only (no broker, no database)
	@$(RUN) pytest -m "not flow" libs/contracts libs/pricing tests/contract services/*/tests/unit $(PYTEST_ARGS)

lint: setup ## ruff
	@$(RUN) ruff check .
	@$(RUN) lint-imports

typecheck: setup ## mypy --strict over libs, services and tools
	@$(RUN) mypy

schemas: setup ## regenerate the contract JSON Schemas (publishes new types/versions)
	@$(RUN) python -m evroam_contracts.schemas write

bench: setup ## benchmarks; results go to bench/RESULTS.md by hand, with the command
	@$(RUN) python -m bench

compose-up: ## the same platform with Apache Kafka, PostgreSQL, OTel collector and Jaeger in Docker
	docker compose up --build

k8s-check: setup ## validate docker-compose.yml and the kustomize manifests
	@$(RUN) pytest infra/checks -q

clean: ## remove .venv, .tools and the devstack state
	rm -rf .venv .tools .devstack
