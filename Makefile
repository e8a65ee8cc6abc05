# Two commands do all set-up on a fresh Debian machine: `make demo` and `make test`.
# Both install what they need first (a virtualenv with the package, Prometheus and PostgreSQL).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest workers: one per core (the machines here have 2).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_BUNDLE ?= fixtures/incidents/checkout-5xx-0412

.PHONY: install system-deps browser-deps test lint typecheck unit demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python >= 3.11 is required (found $$($(PYTHON) --version 2>&1))"; exit 2; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { $(MAKE) --no-print-directory _apt PKGS=python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Prometheus and promtool back the replay environment; PostgreSQL's server programs (initdb,
# pg_ctl, in /usr/lib/postgresql/<version>/bin or PG_BINDIR) run the throwaway cluster of the
# store's tests and the replica load test; kubectl renders the Kubernetes install
# (tests/install). Real binaries, not fakes.
system-deps:
	@missing=""; \
	if ! command -v $${PROMETHEUS_BIN:-prometheus} >/dev/null || ! command -v $${PROMTOOL_BIN:-promtool} >/dev/null; then \
	  missing="prometheus"; fi; \
	if ! { [ -n "$${PG_BINDIR:-}" ] && [ -x "$${PG_BINDIR:-}/initdb" ]; } && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  missing="$$missing postgresql"; fi; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory _apt PKGS="$$missing"; fi
	@command -v kubectl >/dev/null || $(MAKE) --no-print-directory _apt PKGS=kubernetes-client

# Chromium runs the console's browser tests: Playwright drives the system browser (it cannot
# download one here), so only `make test` needs it.
browser-deps:
	@if command -v $${CHROMIUM_BIN:-chromium} >/dev/null; then \
	  :; else $(MAKE) --no-print-directory _apt PKGS=chromium; fi

_apt:
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "Missing system package(s): $(PKGS). Run as root: apt-get install -y $(PKGS)"; \
	  echo "(or point PROMETHEUS_BIN, PROMTOOL_BIN, CHROMIUM_BIN or PG_BINDIR at existing binaries)"; exit 2; fi
	@if ! command -v apt-get >/dev/null; then \
	  echo "Missing: $(PKGS), and this is not a Debian-like system (no apt-get)."; \
	  echo "Install them (Prometheus >= 2.42: prometheus and promtool; Chromium; the PostgreSQL >= 13"; \
	  echo "server programs initdb and pg_ctl) and set PROMETHEUS_BIN/PROMTOOL_BIN/CHROMIUM_BIN/PG_BINDIR."; exit 2; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PKGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install system-deps browser-deps lint typecheck
	$(BIN)/pytest -n $(JOBS) --dist loadgroup -p no:cacheprovider

demo: install system-deps
	@$(BIN)/agent investigate --replay $(DEMO_BUNDLE) \
	  $$($(BIN)/python -c 'import yaml,sys; print(yaml.safe_load(open("$(DEMO_BUNDLE)/incident.yaml"))["alert_fingerprint"])')

bench: install system-deps
	$(BIN)/python -m evals.bench --out .bench/bench.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
