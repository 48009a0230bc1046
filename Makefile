# cxjourney — every step a fresh machine needs is here (CI runs `bash .ci/run`, which runs `make test`).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CXJ := $(VENV)/bin/cxjourney
DEMO_DIR ?= demo-workspace
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-password
PYTEST_ARGS ?=

.PHONY: setup system-deps demo demo-data test test-fast lint bench screenshots clean

# Debian packages: Chromium for browser tests and reports, Java 17 for the Spark engine.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,spark]'
	touch $@

setup: system-deps $(VENV)/.installed

# Build the demo workspace once (seeded, deterministic for a given start; its six months end today), then serve
# it on http://127.0.0.1:8000.
demo-data: setup
	@if [ ! -f $(DEMO_DIR)/.cxjourney/demo-built ]; then \
	  $(CXJ) init $(DEMO_DIR) && \
	  $(CXJ) demo $(DEMO_DIR) --force --start $$(date -u -d "-183 days" +%F) && \
	  echo "$(DEMO_PASSWORD)" | $(CXJ) users add $(DEMO_USER) --role admin -w $(DEMO_DIR) && \
	  touch $(DEMO_DIR)/.cxjourney/demo-built; \
	fi

demo: demo-data
	@echo "Dashboard: http://127.0.0.1:8000/  login: $(DEMO_USER) / $(DEMO_PASSWORD)"
	$(CXJ) serve -w $(DEMO_DIR)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not slow and not spark and not browser" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy src

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshots: demo-data
	$(PY) -m cxjourney.dashboard.screenshots screenshots --workspace $(DEMO_DIR)

clean:
	rm -rf $(VENV) $(DEMO_DIR) screenshots .pytest_cache
