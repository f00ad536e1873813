# Two entry points for people (see README): `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck pytest pytest-compiled compiled wheel bench clean system-tools

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
	$(BIN)/ruff check src tests benchmarks setup.py
	$(BIN)/ruff format --check src tests benchmarks setup.py

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy setup.py

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

# The compiled build (setup.py, CREDO_COMPILE=1): a copy of the tree in build/compiled with the
# modules of pyproject's [tool.credo] compiled-modules compiled beside their sources by mypyc.
# The tests of the code they hold run again against it (PYTHONPATH puts it before the editable
# install; CREDO_EXPECT_COMPILED makes tests/test_compiled_build.py insist on the extensions).
COMPILED := build/compiled
COMPILED_TESTS ?= tests/test_compiled_build.py tests/gateway tests/hostile tests/protocol tests/auth tests/sts

compiled: $(STAMP)
	rm -rf $(COMPILED) && mkdir -p $(COMPILED)
	cp -r setup.py pyproject.toml README.md src $(COMPILED)/
	cd $(COMPILED) && CREDO_COMPILE=1 $(abspath $(BIN))/python setup.py --quiet build_ext --inplace >build.log 2>&1 \
		|| { tail -40 build.log; exit 1; }

pytest-compiled: compiled system-tools
	PYTHONPATH=$(abspath $(COMPILED))/src CREDO_EXPECT_COMPILED=1 $(BIN)/pytest $(PYTEST_ARGS) $(COMPILED_TESTS)

# A wheel for deploying (docs/deploy.md), compiled as above, in dist/.
wheel: $(STAMP)
	CREDO_COMPILE=1 $(BIN)/pip wheel --quiet --no-build-isolation --no-deps --wheel-dir dist .

test: lint typecheck pytest pytest-compiled

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
