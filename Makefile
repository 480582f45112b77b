# The two commands a newcomer needs: `make run` and `make test`. Everything else is installed on demand.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

PORT ?= 8000
STAFFROOM_DATA_DIR ?= ./var
export PORT STAFFROOM_DATA_DIR

PYTHON := $(shell scripts/find-python)
UV := $(PYTHON) -m uv
VENV := .venv
RUN := $(UV) run --frozen --python $(PYTHON)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test lint typecheck format services bench bench-fanout clean

help:
	@echo "make run    install what is needed, migrate, seed the demo school, serve on 127.0.0.1:$(PORT)"
	@echo "make test   install what is needed (PostgreSQL, Redis, Chromium too) and run every check and test"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make bench-fanout  every fan-out scenario against the peers (long; see bench/README.md)"

$(PYTHON):
	@true

uv-installed:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv

# Everything, test tools included (make test, make bench).
$(VENV)/.synced: pyproject.toml uv.lock | uv-installed
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@ $(VENV)/.serving

# Only what serving needs (make run): no test runner, browser driver, linters or type checker. --inexact keeps
# the test tools of an earlier `make test` rather than removing them.
$(VENV)/.serving: pyproject.toml uv.lock | uv-installed
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)
	@touch $@

SERVE := $(UV) run --frozen --no-sync --python $(PYTHON)

run: $(VENV)/.serving
	$(SERVE) staffroom migrate --no-input -v 0
	$(SERVE) staffroom seed_demo
	$(SERVE) staffroom collectstatic --no-input -v 0
	$(SERVE) staffroom serve --host 127.0.0.1 --port $(PORT)

# Debian packages the tests start for real: PostgreSQL and Redis for the scale-out tests, Chromium for the
# browser tests. Installed only when missing.
services:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: $(VENV)/.synced
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy src

format: $(VENV)/.synced
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

test: services $(VENV)/.synced lint
	$(RUN) pytest -n 2 --dist loadfile

bench: $(VENV)/.synced
	$(RUN) python bench/ws_latency.py

# Each scenario exits 1 when it misses one of its targets; the leading '-' lets the others still run.
bench-fanout: services $(VENV)/.synced
	-$(RUN) python bench/fanout.py conversation --members 100
	-$(RUN) python bench/fanout.py conversation --members 1000
	-$(RUN) python bench/fanout.py school-day
	-$(RUN) python bench/fanout.py connected
	-$(RUN) python bench/fanout.py idle
	-$(RUN) python bench/fanout.py conversation --members 100 --postgres --peers broadcast
	-$(RUN) python bench/fanout.py conversation --members 1000 --postgres --peers broadcast
	-$(RUN) python bench/fanout.py school-day --postgres --peers broadcast
	-$(RUN) python bench/fanout.py connected --postgres --peers broadcast
	-$(RUN) python bench/fanout.py idle --postgres --peers broadcast

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
