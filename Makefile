# Two commands on a fresh machine: `make demo` and `make test`. Both install what is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DAYS ?= 21
DATA_DIR ?= data
TRINO := $(PYTHON) ops/trino/trino.py

.PHONY: install browser demo lint test benchmarks clean trino trino-install trino-status trino-stop

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# Debian's Chromium drives scrapy-playwright (`playwright install` cannot download offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get install -y -qq chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }; }

install: $(INSTALLED) browser

demo: install
	$(BIN)/radar demo --days $(DAYS) --data-dir $(DATA_DIR)

# The checks that keep the tree as it is (README, "Checks"): ruff, mypy, the import layers, and the SQL
# style (.sqlfluff). `make test` runs them first; tests/test_code_quality.py and tests/test_sql_style.py too.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint transformations

# The suite runs against a local Trino (tests/test_trino_*.py): started first, its URL exported.
test: install lint trino
	url="$$($(TRINO) url)" && TRINO_URL="$$url" $(BIN)/python -m pytest

benchmarks: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# A single-node Trino on 127.0.0.1 and its S3 stand-in (docs/operations.md, "A local Trino"): fetched
# with Maven into .trino/ once, started if not running; prints its RADAR_TRINO_URL. Needs Java 24+
# (TRINO_JAVA_HOME, default the machine's Java 25) and the virtualenv (moto's S3 server).
trino: $(INSTALLED)
	$(TRINO) start

trino-install:
	$(TRINO) install

trino-status:
	$(TRINO) status

trino-stop:
	$(TRINO) stop

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache
