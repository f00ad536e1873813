# Two entry points for people (see README): `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck pytest bench clean system-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

serve: $(RUN_STAMP)
	$(BIN)/credo serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# System tools the tests drive, installed when missing and apt-get can (otherwise their tests
# skip or fail with the missing path): Debian's Chromium for the console's browser tests
# (Playwright's own browser download does not work here), xmlsec1 for pysaml2's test IdP,
# strace to inject I/O errors into a file's reads (credo rotate's storing faults), nginx-light
# for the gateway tests' real nginx in front of the example service (auth_request mode).
SYSTEM_TOOLS := /usr/bin/chromium:chromium /usr/bin/xmlsec1:xmlsec1 /usr/bin/strace:strace /usr/sbin/nginx:nginx-light

system-tools:
	@missing=""; for tool in $(SYSTEM_TOOLS); do \
		[ -x "$${tool%%:*}" ] || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || true; \
	fi

# One worker per core (pytest-xdist); each worker has its own servers and PostgreSQL database.
PYTEST_ARGS ?= -n auto

pytest: $(STAMP) system-tools
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
