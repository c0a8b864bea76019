# Quick start: `make run` (demo on http://127.0.0.1:5000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
#: pytest-xdist: one worker per core; every browser test on one of them (one demo, one Chromium: tests/conftest.py).
PARALLEL ?= -n auto --dist loadgroup
export FLASK_APP := wsgi
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-fast setup setup-test lock translations compile-translations serve serve-demo screenshots verify bench lint clean fuzz backup-check stack-smoke

# Migrations, the demo and the development server in one process (`flask pb demo-server`): the
# pages answer once the demo's first part is in; the rest loads while they do.
run: setup compile-translations
	$(BIN)/flask pb demo-server --host 127.0.0.1 --port $(PORT)

# Every test once (database tests on PostgreSQL where it answers), what can differ on SQLite too;
# the slowest tests listed at the end.
test: setup-test compile-translations
	$(BIN)/python -m pytest $(PARALLEL) --durations=15 $(PYTEST_ARGS)

# The inner loop: SQLite only, no browser, a quarter of the Hypothesis examples (tests/examples.py),
# without the few tests marked `slow` (seconds of CPU each; `make test` runs them).
test-fast: setup-test compile-translations
	PB_TEST_BACKENDS=sqlite PB_TEST_EXAMPLES=fast $(BIN)/python -m pytest $(PARALLEL) -m "not browser and not slow" --durations=10 $(PYTEST_ARGS)

# --- set-up: a virtual environment that is re-installed when pyproject.toml or the lock changes --
# uv installs (from PyPI, in parallel: about 10 s against pip's 80 s for the test set measured on
# this machine), pinned by requirements.lock (`make lock` writes it again from pyproject.toml).
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python -c requirements.lock

$(VENV)/pyvenv.cfg:
	$(PYTHON) -c 'import sys; sys.exit("pb-service needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Its own target, so that a virtual environment made before uv gets it too.
$(UV): $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5'

$(VENV)/.installed-run: $(UV) pyproject.toml requirements.lock
	$(UV_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: $(UV) pyproject.toml requirements.lock
	$(UV_INSTALL) -e '.[test]'
	touch $@ $(VENV)/.installed-run

lock: $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --extra test pyproject.toml -o requirements.lock

setup: $(VENV)/.installed-run
setup-test: $(VENV)/.installed-test

# --- translations: extract, update, fill English from the source, compile ----------------------
translations: setup
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/python scripts/fill_english_catalog.py translations/en/LC_MESSAGES/messages.po
	$(MAKE) compile-translations

compile-translations: $(MO_FILES)

# Every catalogue in one pybabel process (one start-up instead of one per language).
$(MO_FILES) &: $(PO_FILES) | setup
	$(BIN)/pybabel compile --statistics -d translations

# --- other targets ------------------------------------------------------------------------------
#: gunicorn workers: two per core (a request mostly waits for PostgreSQL), at least two.
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(max(2, 2 * (os.cpu_count() or 1)))')

serve: setup compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind 127.0.0.1:$(PORT) wsgi:app

# The demo on PostgreSQL behind gunicorn, as deployed: make serve-demo [DEMO_DATABASE=pb_demo]
# (creates the database on the local server if it is missing; the demo is loaded once).
DEMO_DATABASE ?= pb_demo
DEMO_SERVER ?= postgresql://127.0.0.1
serve-demo: setup compile-translations
	$(BIN)/python -c 'import psycopg, sys; c = psycopg.connect("$(DEMO_SERVER)/postgres", autocommit=True); \
	  c.execute("SELECT 1 FROM pg_database WHERE datname = %s", ["$(DEMO_DATABASE)"]).fetchone() or c.execute("CREATE DATABASE $(DEMO_DATABASE)")'
	DATABASE_URL=$(DEMO_SERVER)/$(DEMO_DATABASE) $(BIN)/flask db upgrade
	DATABASE_URL=$(DEMO_SERVER)/$(DEMO_DATABASE) $(BIN)/flask pb demo
	@echo "pb-service (demo on PostgreSQL, $(WORKERS) gunicorn workers) runs on http://127.0.0.1:$(PORT)  (stop with Ctrl+C)"
	DATABASE_URL=$(DEMO_SERVER)/$(DEMO_DATABASE) $(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind 127.0.0.1:$(PORT) wsgi:app

screenshots: setup-test compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask pb demo > /dev/null
	$(BIN)/python scripts/screenshots.py docs/screenshots

verify: setup-test
	$(BIN)/python benchmarks/verify_pabulib.py $(or $(DATA),../shared/pabulib)

# Fuzz the API of a demo served on FUZZ_PORT for 60 s (a throw-away database in instance/fuzz/).
FUZZ_PORT ?= 5104
fuzz: setup-test compile-translations
	rm -rf instance/fuzz && mkdir -p instance/fuzz
	DATABASE_URL=sqlite:///$(CURDIR)/instance/fuzz/demo.sqlite3 $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/fuzz/demo.sqlite3 $(BIN)/flask pb demo > /dev/null
	DATABASE_URL=sqlite:///$(CURDIR)/instance/fuzz/demo.sqlite3 RATELIMIT_STORAGE_URI=memory:// \
	  $(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(FUZZ_PORT) --pid instance/fuzz/gunicorn.pid --daemon wsgi:app
	sleep 3
	$(BIN)/python benchmarks/fuzz_api.py --base-url http://127.0.0.1:$(FUZZ_PORT) --seconds 60; \
	  status=$$?; kill $$(cat instance/fuzz/gunicorn.pid); exit $$status

# Back up a demo database (pg_dump), restore it into a new one (pg_restore) and recount every published
# result there (needs PostgreSQL: PB_BACKUP_SERVER_URL, default postgresql://127.0.0.1). Not part of `make test`.
backup-check: setup compile-translations
	BIN=$(BIN) scripts/backup_restore_check.sh

# The production stack on this machine (nginx, two gunicorns, the worker, PostgreSQL primary and a
# streaming replica, Redis; docs/operations.md), a smoke test through nginx, and down again.
# `deploy/stack.sh up` leaves it running (http://127.0.0.1:8480); `deploy/stack.sh down` stops it.
stack-smoke: setup compile-translations
	BIN=$(CURDIR)/$(BIN) deploy/stack.sh up || { deploy/stack.sh down; exit 1; }
	BIN=$(CURDIR)/$(BIN) deploy/stack.sh smoke; status=$$?; deploy/stack.sh down; exit $$status

clean:
	rm -rf $(VENV) instance .pytest_cache
