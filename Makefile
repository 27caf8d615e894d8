# Two commands do everything on a new machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install browser demo test test-sqlite lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# Bytecode for the editable checkout: a process that may not write it (PYTHONDONTWRITEBYTECODE)
	# would otherwise compile every module at each start, a quarter of a worker's start-up.
	$(PY) -m compileall -q bot handlers schedules > /dev/null
	touch $(STAMP)

install: $(STAMP)

# The browser test drives Debian's chromium through its chromedriver; installed once, quietly,
# only where /usr/bin/chromium is missing (apt-get needs root, as on the project's machines).
BROWSER := /usr/bin/chromium
$(BROWSER):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null

browser: $(BROWSER)

demo: $(STAMP)
	$(VENV)/bin/coordbot demo

# Every database test runs on SQLite and on PostgreSQL (COORDBOT_TEST_DATABASE_URL, default the
# local server). `make test-sqlite` skips PostgreSQL. Both first check which way the imports go
# (the contracts in pyproject.toml). The tests run in TEST_WORKERS processes (pytest-xdist): most
# of them wait on subprocesses, sockets and the database, so two cores keep two busy (measured
# on this 2-core machine: 8 min 28 s for 3,578 tests; 12 min 7 s the same day before the CLI
# tests ran in-process and the live tests stopped waiting out real-clock throttles).
TEST_WORKERS ?= 2
test: $(STAMP) $(BROWSER)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(TEST_WORKERS)

test-sqlite: $(STAMP) $(BROWSER)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(TEST_WORKERS) --backends sqlite

lint: $(STAMP)
	$(VENV)/bin/ruff check bot handlers schedules tests bench

# The ack bench's loader is wrk (Debian's package), installed here where it is missing; without
# it the bench falls back to a Python loader and says so ("loader" in its JSON line).
WRK := /usr/bin/wrk
$(WRK):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null

bench: $(STAMP) $(WRK)
	$(PY) bench/ack_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
